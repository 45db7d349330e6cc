"""Code shared by the API and the workers: settings, metadata store, object store, Druid."""
