"""No launch script puts a secret on a command line (`ps` shows those to every local user);
Druid reads its secrets from the environment and listens on 127.0.0.1 only.

The scripts were run for real in a throwaway stack (see docs/security.md); this guards the
text against a regression.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMON = (ROOT / "druid" / "conf" / "_common" / "common.runtime.properties").read_text()


def test_druid_reads_its_secrets_through_environment_password_providers() -> None:
    for prop, variable in (
        ("druid.s3.accessKey", "SLUICE_S3_ACCESS_KEY"),
        ("druid.s3.secretKey", "SLUICE_S3_SECRET_KEY"),
        ("druid.metadata.storage.connector.password", "SLUICE_DRUID_METADATA_PASSWORD"),
    ):
        expected = f'{prop}={{"type":"environment","variable":"{variable}"}}'
        assert expected in COMMON.splitlines(), prop


def test_druid_listens_on_loopback_only() -> None:
    lines = COMMON.splitlines()
    assert "druid.host=127.0.0.1" in lines and "druid.bindOnHost=true" in lines


def test_no_secret_is_passed_as_an_argument() -> None:
    run = (ROOT / "druid" / "run.sh").read_text()
    assert not re.search(
        r"-Ddruid\.(s3\.(accessKey|secretKey)|metadata\.storage\.connector\.password)", run
    )
    redis = (ROOT / "scripts" / "run-redis.sh").read_text()
    assert "--requirepass" not in redis and "requirepass" in redis  # in its config file
    postgres = (ROOT / "scripts" / "secure-postgres.sh").read_text()
    assert "PASSWORD '${SLUICE_POSTGRES_PASSWORD" in postgres  # on stdin, in a here-document
    assert "<<SQL" in postgres
