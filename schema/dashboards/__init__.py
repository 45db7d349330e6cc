"""GraphQL dashboard queries (time series, top-N, group-by) over ingested datasources."""
