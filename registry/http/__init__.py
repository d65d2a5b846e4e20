"""HTTP concerns both mounts share (the GraphQL endpoint and the pages): conditional
requests and cache headers, request metrics, and retiring cached answers after writes."""
