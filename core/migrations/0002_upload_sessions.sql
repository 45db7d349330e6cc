-- Resumable uploads straight from the client to S3 (core/resumable.py): the client PUTs the
-- parts to presigned URLs, then asks the API to complete the upload, which creates the
-- upload and its task as for a streamed one.
CREATE TABLE upload_sessions (
    id              text PRIMARY KEY,               -- also the upload's id once completed
    filename        text        NOT NULL,
    content_type    text,
    size_bytes      bigint      NOT NULL,            -- declared by the client, checked at the end
    part_size       bigint      NOT NULL,
    raw_key         text        NOT NULL,
    s3_upload_id    text        NOT NULL,
    datasource      text        NOT NULL,
    options         jsonb       NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    task_id         text        REFERENCES tasks (id),  -- set when completed
    aborted_at      timestamptz
);

-- The API never sees the bytes of such an upload, so it cannot hash them.
ALTER TABLE uploads ALTER COLUMN sha256 DROP NOT NULL;
