-- Verified ingestion (core/reconcile.py, core/duplicates.py).

-- Druid's own row counts, kept apart from "ingested" and "thrown away": rows Druid kept with
-- some values it could not read (nulled), and rows it could not read at all.
ALTER TABLE tasks ADD COLUMN rows_processed_with_error bigint;
ALTER TABLE tasks ADD COLUMN rows_unparseable bigint;

-- What identifies an upload's content for duplicate detection: the SHA-256 of a streamed
-- upload, or (resumable uploads, whose bytes the API never sees) the size and S3's ETags
-- of the parts.
ALTER TABLE uploads ADD COLUMN parts_fingerprint text;
CREATE INDEX uploads_sha256_idx ON uploads (sha256) WHERE sha256 IS NOT NULL;
CREATE INDEX uploads_parts_fingerprint_idx ON uploads (parts_fingerprint)
    WHERE parts_fingerprint IS NOT NULL;
