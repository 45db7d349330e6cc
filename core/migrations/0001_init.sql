-- Sluice metadata. PostgreSQL is the source of truth; Redis only carries the queue and live events.

CREATE TABLE uploads (
    id              text PRIMARY KEY,
    filename        text        NOT NULL,
    content_type    text,
    size_bytes      bigint      NOT NULL,
    sha256          text        NOT NULL,
    raw_key         text        NOT NULL,       -- s3 key under uploads/
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tasks (
    id                  text PRIMARY KEY,
    upload_id           text        NOT NULL REFERENCES uploads (id),
    datasource          text        NOT NULL,
    status              text        NOT NULL,
    options             jsonb       NOT NULL DEFAULT '{}',
    progress            double precision NOT NULL DEFAULT 0,
    rows_total          bigint,
    rows_ingested       bigint,
    rows_quarantined    bigint,
    rows_thrown_away    bigint,
    druid_task_id       text,
    error_code          text,
    error_message       text,
    error_retryable     boolean,
    error_stage         text,
    profile             jsonb,
    staged              jsonb,
    quarantine_key      text,
    attempt             integer     NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_created_idx ON tasks (created_at DESC, id DESC);
CREATE INDEX tasks_status_idx ON tasks (status);
CREATE INDEX tasks_datasource_idx ON tasks (datasource);

-- Append-only: one row per state change or progress step. Never updated, never deleted.
CREATE TABLE task_events (
    id          bigserial PRIMARY KEY,
    task_id     text        NOT NULL REFERENCES tasks (id),
    status      text        NOT NULL,
    progress    double precision NOT NULL DEFAULT 0,
    message     text,
    detail      jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX task_events_task_idx ON task_events (task_id, id);

CREATE TABLE datasets (
    name                text PRIMARY KEY,        -- the Druid datasource
    row_count           bigint      NOT NULL DEFAULT 0,
    size_bytes          bigint      NOT NULL DEFAULT 0,
    time_min            timestamptz,
    time_max            timestamptz,
    has_time_column     boolean     NOT NULL DEFAULT true,
    last_task_id        text REFERENCES tasks (id),
    last_ingested_at    timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dataset_columns (
    dataset     text    NOT NULL REFERENCES datasets (name) ON DELETE CASCADE,
    name        text    NOT NULL,
    position    integer NOT NULL,
    type        text    NOT NULL,                -- ColumnType: STRING LONG DOUBLE BOOLEAN TIMESTAMP
    druid_type  text,                            -- as reported by Druid INFORMATION_SCHEMA
    PRIMARY KEY (dataset, name)
);
