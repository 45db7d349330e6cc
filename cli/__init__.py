"""`sluice`: a command-line client for any Sluice server.

It speaks only Sluice's public GraphQL contract (HTTP for queries and uploads, WebSocket with
graphql-transport-ws for live updates) and imports nothing from the server's packages, so the
same command works against a local stack or a remote deployment.
"""
