-- An upload that fixes another task's quarantined rows names it in its options
-- (`options.fixes_task`, core/model.py IngestOptions); the original task lists its fixes
-- (`fixed_by` in core/tasks.py) through this index.
CREATE INDEX tasks_fixes_task_idx ON tasks ((options->>'fixes_task'))
    WHERE options->>'fixes_task' IS NOT NULL;
