"""The GraphQL adapter: strawberry types and resolvers over the services."""
