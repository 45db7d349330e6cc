-- Tokens that read GET /metrics and nothing else (core/auth/metrics_tokens.py). Metrics span
-- every workspace, so these belong to none, and a workspace's API token (even an ADMIN's)
-- does not read them. Only the sha256 of the token is stored, as for api_tokens.
CREATE TABLE metrics_tokens (
    id              text PRIMARY KEY,
    token_hash      text        NOT NULL UNIQUE,
    name            text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz,
    revoked_at      timestamptz,
    last_used_at    timestamptz
);
