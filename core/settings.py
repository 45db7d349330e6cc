"""The one place that reads configuration. Everything else receives a `Settings`."""

from __future__ import annotations

import sys
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core import stack_secrets
from core.model import TaskStatus

ROOT = Path(__file__).resolve().parent.parent


class _Locations(BaseSettings):
    """Where the secrets file is, read before the settings that may come from it."""

    model_config = SettingsConfigDict(env_prefix="SLUICE_", env_file=".env", extra="ignore")

    data_dir: Path = ROOT / ".data"
    secrets_file: Path | None = None

    @property
    def secrets(self) -> Path:
        return self.secrets_file or self.data_dir / "secrets" / "stack.env"


class Settings(BaseSettings):
    """Sluice configuration, read from `SLUICE_*` environment variables, `.env`, and the
    local stack's generated secrets file (`.data/secrets/stack.env`, core/stack_secrets.py),
    in that order of precedence.

    Every other default is the local stack that `make run` starts, so nothing needs
    configuring. No secret is a constant here.
    """

    model_config = SettingsConfigDict(env_prefix="SLUICE_", env_file=".env", extra="ignore")

    def __init__(self, **values: Any) -> None:
        if "_env_file" not in values:
            values["_env_file"] = (_Locations().secrets, ".env")  # the later file wins
        super().__init__(**values)

    # Where the local stack keeps its data, sockets and logs (ignored by git).
    data_dir: Path = ROOT / ".data"
    # The generated secrets (default: data_dir/secrets/stack.env). Another checkout using the
    # same local stack points here at that stack's file.
    secrets_file: Path | None = None

    # PostgreSQL (metadata: uploads, tasks, events, datasets).
    database_url: str = "postgresql://sluice@127.0.0.1:5433/sluice"
    # Put into database_url and druid_metadata_url when they name no password (the local
    # stack's generated one for the role `sluice`, scripts/secure-postgres.sh).
    postgres_password: str | None = None
    # The local PostgreSQL (scripts/run-postgres.sh) syncs every commit to disk. Only the test
    # runner (scripts/test.sh) turns this off for the stack it starts: faster, and a crash may
    # then lose or corrupt that stack's data.
    postgres_durable: bool = True
    # The local stack's supervisord (scripts/supervise.py) gives a service that dies within
    # 5 s of starting this many tries, 1, 2, 3, ... s apart, before it stops the stack (8: 36 s
    # of back-off). The local-stack test lowers it to see a service given up in seconds.
    supervise_start_retries: int = 8

    # Redis (arq queue + pub/sub of task events).
    redis_url: str = "redis://127.0.0.1:6390/0"
    # Put into redis_url when that names no password (the local stack's generated one).
    redis_password: str | None = None
    queue_name: str = "sluice:queue"

    # S3-compatible object store.
    s3_endpoint_url: str = "http://127.0.0.1:8333"
    s3_region: str = "us-east-1"
    # Locally generated (core/stack_secrets.py); empty: the AWS default credential chain.
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_bucket: str = "sluice"
    # Multipart part size for streaming uploads into S3 (min 5 MiB by the S3 protocol).
    s3_part_size: int = 8 * 1024 * 1024

    # Druid deep storage (read by Druid only; the API never touches it).
    druid_deep_storage_bucket: str = "druid"
    # The Overlord's task APIs (locally the combined coordinator-overlord process).
    druid_overlord_url: str = "http://127.0.0.1:8081"
    druid_coordinator_url: str = "http://127.0.0.1:8081"
    druid_broker_url: str = "http://127.0.0.1:8082"
    druid_request_timeout_s: float = 10.0
    # How long Sluice waits for segments to become queryable before failing the task.
    druid_handoff_timeout_s: float = 600.0
    # Druid's own metadata store (segments, tasks, rules); druid/run.sh creates the database.
    druid_metadata_url: str = "postgresql://sluice@127.0.0.1:5433/druid"
    # How long an ingestion task itself waits for its segments to be loaded before it reports
    # SUCCESS (awaitSegmentAvailabilityTimeoutMillis); the worker keeps waiting after that.
    druid_segment_availability_timeout_s: float = 120.0
    # The worker's once-a-minute kill task for unused segments (workers/maintenance.py). The
    # test runner turns it off for the stack it starts and the fault layer for its workers: a
    # kill submitted in the seconds after a test killed the MiddleManager went to the dead
    # worker, and Druid 25 assigns tasks one at a time, so every task after it waited the
    # Overlord's taskAssignmentTimeout (then 5 min: the Druid-faults layer took 348 s, not 61;
    # druid/conf now sets 1 min).
    druid_kill_unused: bool = True

    # Task deadlines: how long a task may sit in a status with no progress and no live worker
    # lease before the watchdog (workers/watchdog.py) resumes it; after `max_resumes`
    # resumptions it fails, naming the stage and what it waited for.
    deadline_queued_s: float = 600.0
    deadline_validating_s: float = 180.0
    deadline_staging_s: float = 180.0
    deadline_submitting_s: float = 120.0
    deadline_ingesting_s: float = 180.0
    deadline_publishing_s: float = 180.0
    max_resumes: int = 3
    # Seconds between two watchdog runs (a divisor of 60). Tests of crashes set it low so a
    # stalled task is resumed within a second or two.
    watchdog_interval_s: int = 30
    # A worker holds a lease on the task it runs, renewed every third of this.
    lease_ttl_s: float = 60.0
    # arq's timeout for one pipeline run (validate, stage, submit) of one file.
    process_timeout_s: float = 3 * 3600.0
    # Tracking gives up when Druid has not finished ingesting within this long.
    tracking_timeout_s: float = 3 * 3600.0

    # Resumable uploads (core/resumable.py) and orphaned S3 multipart uploads.
    upload_session_expire_hours: float = 48.0  # an unfinished session's parts are freed
    upload_min_part_bytes: int = 8 * 1024 * 1024  # S3's minimum is 5 MiB but for the last
    # Multipart uploads under uploads/ that no session owns (an API killed mid-upload) are
    # aborted once this old.
    orphan_multipart_age_s: float = 24 * 3600.0

    # Files kept in S3 (core/retention.py, an hourly worker job). A finished upload's raw file
    # and staged copy are removed this many days after the task ended (retrying it then asks
    # for the file again); quarantine files are kept for the round trip.
    raw_upload_retention_days: float = 30.0
    # A deleted dataset's files (raw, staged and quarantine) are removed this long after the
    # deletion finished: time to download what is still needed.
    deleted_dataset_grace_hours: float = 24.0
    # A DELETE task waits this long for Druid to delete the dataset's unused segments (one
    # kill task, submitted only while Druid is idle: workers/maintenance.py) before failing.
    delete_kill_timeout_s: float = 3600.0

    # API server.
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    frontend_dist: Path = ROOT / "frontend" / "dist"
    allowed_origins: list[str] = Field(default_factory=lambda: ["http://localhost:5173"])
    # Host names the API answers to (DNS rebinding protection); add yours when deploying.
    allowed_hosts: list[str] = Field(default_factory=lambda: ["localhost", "127.0.0.1"])

    # Accounts. Session cookies are Secure: browsers accept them on http://localhost too.
    session_lifetime_hours: int = 24 * 7
    session_cookie_secure: bool = True

    # Live subscriptions (taskUpdates, taskFeed). One API process serves up to this many
    # (bench/RESULTS.md: 10,000 feed subscribers measured on a 2-core machine), and one
    # WebSocket connection up to `subscriptions_max_per_connection`.
    subscriptions_max_per_process: int = 20_000
    subscriptions_max_per_connection: int = 100

    # Limits on input.
    max_upload_bytes: int = 10 * 1024**3
    max_columns: int = 2000
    max_xlsx_uncompressed_bytes: int = 2 * 1024**3
    max_column_name_length: int = 255
    # A compressed upload (gzip, bzip2, xz, zstd, zip) is refused as a decompression bomb
    # when it unpacks to more than this many bytes, or (past 64 MB) to more than this many
    # times its own size; real CSV and JSON shrink 3 to 30 times.
    max_decompressed_bytes: int = 50 * 1024**3
    max_decompression_ratio: float = 250.0
    # One JSON Lines line (or one element of a JSON array) larger than this is quarantined
    # (a line) or refuses the file (an array element): memory holds one record at a time.
    max_json_record_bytes: int = 16 * 1024**2
    max_multipart_files: int = 20
    max_multipart_fields: int = 4  # operations + map (+ room for clients adding one)
    max_request_bytes: int = 1024 * 1024  # any body that is not a multipart upload
    max_response_bytes: int = 32 * 1024 * 1024
    # Per API token (or per address without one), per minute.
    upload_rate_per_minute: int = 120
    websocket_rate_per_minute: int = 60
    # GraphQL requests over HTTP (the web app sends a few per page), and operations started
    # over websockets (the task page subscribes to one task, the tasks page to the feed).
    query_rate_per_minute: int = 600
    subscription_rate_per_minute: int = 120
    sign_in_rate_per_minute: int = 10

    # Dashboard queries.
    query_timeout_ms: int = 15_000
    query_max_rows: int = 10_000
    graphql_max_depth: int = 10
    graphql_max_aliases: int = 30
    graphql_max_tokens: int = 2_000
    # Points one GraphQL request may cost (schema/cost.py), about one per object or value
    # answered: the web app's heaviest queries (a 10,000-row chart, 100 datasets of 100
    # columns) cost 10,000 to 20,000; issue 10's 30 aliases of task pages cost millions.
    graphql_max_cost: int = 50_000

    # Operations: logs and metrics (docs/ops/README.md).
    log_format: Literal["text", "json"] = "text"  # json: one JSON object per line
    log_level: str = "INFO"
    # Bearer token that may read GET /metrics. Unset: /metrics answers nobody.
    metrics_token: SecretStr | None = None
    # Set (for every process) when several API processes serve: /metrics aggregates them.
    # prometheus-client reads the same variable itself, hence the name without our prefix.
    metrics_multiproc_dir: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("PROMETHEUS_MULTIPROC_DIR", "SLUICE_METRICS_MULTIPROC_DIR"),
    )
    # Each arq worker serves its own metrics here (0: any free port; unset: none).
    worker_metrics_port: int | None = None
    worker_metrics_host: str = "127.0.0.1"

    @property
    def task_events_channel(self) -> str:
        """Redis pub/sub channel of task changes. Pub/sub ignores the database number, so it
        is named after the queue: deployments (or test runs) sharing one Redis never hear
        each other's changes."""
        return f"{self.queue_name}:tasks"

    def deadline_s(self, status: TaskStatus) -> float:
        """How long a task may stay in `status` without progress or a live worker."""
        return {
            TaskStatus.QUEUED: self.deadline_queued_s,
            TaskStatus.VALIDATING: self.deadline_validating_s,
            TaskStatus.STAGING: self.deadline_staging_s,
            TaskStatus.SUBMITTING: self.deadline_submitting_s,
            TaskStatus.INGESTING: self.deadline_ingesting_s,
            TaskStatus.PUBLISHING: self.deadline_publishing_s,
        }[status]

    @model_validator(mode="after")
    def _passwords_in_urls(self) -> Settings:
        self.redis_url = _with_password(self.redis_url, self.redis_password)
        self.database_url = _with_password(self.database_url, self.postgres_password)
        self.druid_metadata_url = _with_password(self.druid_metadata_url, self.postgres_password)
        return self

    @property
    def secrets_path(self) -> Path:
        return self.secrets_file or self.data_dir / "secrets" / "stack.env"

    @cached_property
    def work_dir(self) -> Path:
        """Scratch space for workers (downloaded raw files, staged output before upload)."""
        path = self.data_dir / "work"
        path.mkdir(parents=True, exist_ok=True)
        return path


def _with_password(url: str, password: str | None) -> str:
    """`url` with `password` in it, unless it names one already."""
    parts = urlsplit(url)
    if not password or parts.password:
        return url
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{quote(parts.username or '')}:{quote(password, safe='')}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


def shell_exports(settings: Settings) -> str:
    """Render the settings the launch scripts need as `export KEY=value` lines."""
    values = {
        "SLUICE_DATA_DIR": str(settings.data_dir),
        "SLUICE_S3_ENDPOINT_URL": settings.s3_endpoint_url,
        "SLUICE_S3_REGION": settings.s3_region,
        "SLUICE_S3_ACCESS_KEY": settings.s3_access_key,
        "SLUICE_S3_SECRET_KEY": settings.s3_secret_key,
        "SLUICE_S3_BUCKET": settings.s3_bucket,
        "SLUICE_DRUID_DEEP_STORAGE_BUCKET": settings.druid_deep_storage_bucket,
        "SLUICE_DRUID_METADATA_URL": settings.druid_metadata_url,
        "SLUICE_DATABASE_URL": settings.database_url,
        "SLUICE_POSTGRES_DURABLE": "1" if settings.postgres_durable else "0",
        "SLUICE_REDIS_URL": settings.redis_url,
        "SLUICE_REDIS_PASSWORD": settings.redis_password or "",
        "SLUICE_POSTGRES_PASSWORD": settings.postgres_password or "",
        "SLUICE_API_HOST": settings.api_host,
        "SLUICE_API_PORT": str(settings.api_port),
        # Ports the local launchers bind, taken from the URLs above.
        "STACK_POSTGRES_PORT": str(urlsplit(settings.database_url).port or 5432),
        "STACK_REDIS_PORT": str(urlsplit(settings.redis_url).port or 6379),
        "STACK_S3_PORT": str(urlsplit(settings.s3_endpoint_url).port or 8333),
    }
    return "\n".join(f"export {key}='{value}'" for key, value in values.items())


if __name__ == "__main__":
    # `python -m core.settings` prints shell exports for scripts/ and druid/;
    # `python -m core.settings secrets` creates the local stack's secrets file if needed.
    if sys.argv[1:] == ["secrets"]:
        path = _Locations().secrets
        if stack_secrets.ensure(path):
            print(f"generated the local stack's secrets in {path}")
    elif sys.argv[1:] in ([], ["exports"]):
        print(shell_exports(Settings()))
    else:
        sys.exit("usage: python -m core.settings [exports | secrets]")
