"""GraphQL catalog of datasets: what can be queried, its columns, size and ingestion history."""
