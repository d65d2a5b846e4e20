"""One module per GraphQL type."""
