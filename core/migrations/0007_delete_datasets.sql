-- Deleting a dataset (core/delete.py) and removing uploaded files after a while
-- (core/retention.py).

-- A DELETE task acts on a datasource, not on an upload: it has no upload row.
ALTER TABLE tasks ALTER COLUMN upload_id DROP NOT NULL;

-- The DELETE task that deleted the dataset a task loaded into. The task stays readable (its
-- history, its numbers); the dataset's name may be used again by new uploads.
ALTER TABLE tasks ADD COLUMN dataset_deleted_by text REFERENCES tasks (id);

-- When the task's files were removed from S3 (the raw upload and its staged copy; for a
-- deleted dataset also the quarantine file), and why: RETENTION or DATASET_DELETED.
ALTER TABLE tasks ADD COLUMN files_removed_at timestamptz;
ALTER TABLE tasks ADD COLUMN files_removed_reason text;

CREATE INDEX tasks_kind_idx ON tasks (kind) WHERE kind <> 'INGEST';
CREATE INDEX tasks_files_kept_idx ON tasks (updated_at) WHERE files_removed_at IS NULL;
