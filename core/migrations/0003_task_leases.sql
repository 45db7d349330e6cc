-- A lease says which arq job runs a task right now and until when (renewed while it runs).
-- The watchdog (workers/watchdog.py) resumes a task whose lease ran out without progress;
-- `resumes` numbers those resumptions, so each gets a fresh arq job id.
ALTER TABLE tasks ADD COLUMN lease_owner text;
ALTER TABLE tasks ADD COLUMN lease_until timestamptz;
ALTER TABLE tasks ADD COLUMN resumes integer NOT NULL DEFAULT 0;
CREATE INDEX tasks_unfinished_idx ON tasks (updated_at)
    WHERE status NOT IN ('SUCCEEDED', 'FAILED', 'CANCELLED');
