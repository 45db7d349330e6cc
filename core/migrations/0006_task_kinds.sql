-- Tasks that undo: a ROLLBACK task takes one upload's rows out of Druid again
-- (core/rollback.py). It points at the ingestion it undoes and shares that task's upload row
-- (file name and size stay readable); `rows_removed` is what Druid no longer serves.
ALTER TABLE tasks ADD COLUMN kind text NOT NULL DEFAULT 'INGEST';
ALTER TABLE tasks ADD COLUMN target_task_id text REFERENCES tasks (id);
ALTER TABLE tasks ADD COLUMN rows_removed bigint;
CREATE INDEX tasks_target_idx ON tasks (target_task_id) WHERE target_task_id IS NOT NULL;
