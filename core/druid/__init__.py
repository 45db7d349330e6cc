"""Druid access: Overlord/Coordinator client, ingestion spec builder and SQL broker client."""
