-- Accounts, workspaces and roles (core/auth/). Every upload, upload session and task belongs
-- to a workspace; a dataset belongs to the workspace whose prefix its Druid name carries
-- (core/auth/naming.py), so workers need not know about workspaces.

CREATE TABLE users (
    id              text PRIMARY KEY,
    email           text        NOT NULL UNIQUE,          -- stored lower-case
    password_hash   text        NOT NULL,                 -- argon2id
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE workspaces (
    id              text PRIMARY KEY,
    slug            text        NOT NULL UNIQUE,           -- [a-z0-9-]: never contains "__"
    druid_prefix    text        NOT NULL,                 -- "{slug}__"; '' for data older than 0005
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
    workspace_id    text        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id         text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            text        NOT NULL CHECK (role IN ('VIEWER', 'EDITOR', 'ADMIN')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, user_id)
);

-- API tokens for GraphQL clients. Only the sha256 of the (256-bit random) token is stored.
CREATE TABLE api_tokens (
    id              text PRIMARY KEY,
    token_hash      text        NOT NULL UNIQUE,
    name            text        NOT NULL,
    workspace_id    text        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    role            text        NOT NULL CHECK (role IN ('VIEWER', 'EDITOR', 'ADMIN')),
    created_by      text        REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz,
    revoked_at      timestamptz,
    last_used_at    timestamptz
);

-- Browser sessions: the cookie holds a random secret, the row its sha256.
CREATE TABLE sessions (
    id              text PRIMARY KEY,                     -- sha256 of the cookie value
    user_id         text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workspace_id    text        REFERENCES workspaces (id) ON DELETE SET NULL,  -- current one
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- What existed before accounts belongs to one workspace, with unprefixed Druid names.
INSERT INTO workspaces (id, slug, druid_prefix) VALUES ('legacy', 'default', '');

ALTER TABLE uploads ADD COLUMN workspace_id text REFERENCES workspaces (id);
ALTER TABLE tasks ADD COLUMN workspace_id text REFERENCES workspaces (id);
ALTER TABLE upload_sessions ADD COLUMN workspace_id text REFERENCES workspaces (id);
UPDATE uploads SET workspace_id = 'legacy';
UPDATE tasks SET workspace_id = 'legacy';
UPDATE upload_sessions SET workspace_id = 'legacy';
ALTER TABLE uploads ALTER COLUMN workspace_id SET NOT NULL;
ALTER TABLE tasks ALTER COLUMN workspace_id SET NOT NULL;
ALTER TABLE upload_sessions ALTER COLUMN workspace_id SET NOT NULL;
CREATE INDEX tasks_workspace_idx ON tasks (workspace_id, created_at DESC, id DESC);
