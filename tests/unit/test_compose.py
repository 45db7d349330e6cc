"""docker-compose.yml is valid, every service is health-checked, and it speaks our settings.

`docker-compose config` validates and resolves the file offline (no images are pulled).
scripts/setup.sh installs docker-compose; a missing binary fails this test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
# The file has no default secrets: a deployment's .env supplies them.
SECRETS = {
    "POSTGRES_PASSWORD": "pg-test-secret",
    "REDIS_PASSWORD": "redis-test-secret",
    "SLUICE_S3_ACCESS_KEY": "s3-test-key",
    "SLUICE_S3_SECRET_KEY": "s3-test-secret",
}
BACKEND = {"postgres", "redis", "s3", "zookeeper", "coordinator", "broker", "historical",
           "middlemanager", "worker"}  # fmt: skip


def _compose(*args: str, secrets: dict[str, str] = SECRETS) -> subprocess.CompletedProcess[str]:
    # Not the checkout's own .env (it may hold secrets): an empty one.
    env = {k: v for k, v in os.environ.items() if k not in SECRETS} | secrets
    with tempfile.NamedTemporaryFile(suffix=".env") as empty:
        try:
            return subprocess.run(
                ["docker-compose", "-f", str(COMPOSE), "--env-file", empty.name, *args],
                cwd=ROOT, capture_output=True, text=True, timeout=60, check=False, env=env,
            )  # fmt: skip
        except FileNotFoundError:
            pytest.fail("docker-compose is not installed; scripts/setup.sh installs it")


@pytest.fixture(scope="module")
def resolved() -> dict[str, Any]:
    """The file as docker-compose understands it: anchors merged, variables substituted."""
    result = _compose("config")
    assert result.returncode == 0, f"docker-compose.yml is invalid:\n{result.stderr}"
    config: dict[str, Any] = yaml.safe_load(result.stdout)
    return config


def test_compose_file_is_valid() -> None:
    result = _compose("config", "-q")
    assert result.returncode == 0, f"docker-compose.yml is invalid:\n{result.stderr}"


def test_every_service_has_a_healthcheck(resolved: dict[str, Any]) -> None:
    missing = [
        name
        for name, service in resolved["services"].items()
        if not (service.get("healthcheck") or {}).get("test")
    ]
    assert missing == [], f"services without a healthcheck: {missing}"


def test_sluice_variables_are_settings_fields() -> None:
    """Every SLUICE_* name in the file (keys and ${...} references) is a Settings field."""
    text = COMPOSE.read_text()
    names = set(re.findall(r"\bSLUICE_[A-Z0-9_]+", text))
    assert names, "the compose file configures Sluice through SLUICE_* variables"
    unknown = sorted(
        n for n in names if n.removeprefix("SLUICE_").lower() not in Settings.model_fields
    )
    assert unknown == [], f"not fields of core.settings.Settings: {unknown}"


def test_api_and_worker_get_every_connection_setting(resolved: dict[str, Any]) -> None:
    needed = {
        "SLUICE_DATABASE_URL", "SLUICE_REDIS_URL", "SLUICE_S3_ENDPOINT_URL", "SLUICE_S3_REGION",
        "SLUICE_S3_ACCESS_KEY", "SLUICE_S3_SECRET_KEY", "SLUICE_S3_BUCKET",
        "SLUICE_DRUID_OVERLORD_URL", "SLUICE_DRUID_COORDINATOR_URL", "SLUICE_DRUID_BROKER_URL",
    }  # fmt: skip
    for name in ("api", "worker"):
        environment = resolved["services"][name]["environment"]
        assert needed <= set(environment), f"{name} lacks {sorted(needed - set(environment))}"


def test_druid_uses_the_same_s3_credentials_as_sluice(resolved: dict[str, Any]) -> None:
    api = resolved["services"]["api"]["environment"]
    for name in ("coordinator", "broker", "historical", "middlemanager"):
        druid = resolved["services"][name]["environment"]
        assert druid["druid_s3_accessKey"] == api["SLUICE_S3_ACCESS_KEY"]
        assert druid["druid_s3_secretKey"] == api["SLUICE_S3_SECRET_KEY"]
        assert druid["druid_s3_endpoint_url"] == api["SLUICE_S3_ENDPOINT_URL"]
        assert druid["druid_storage_bucket"] == api["SLUICE_DRUID_DEEP_STORAGE_BUCKET"]


def test_druid_image_matches_the_local_druid_version(resolved: dict[str, Any]) -> None:
    pom = (ROOT / "druid" / "pom.xml").read_text()
    version = re.search(r"<druid.version>([^<]+)</druid.version>", pom)
    assert version is not None
    images = {s["image"] for n, s in resolved["services"].items() if "druid" in s.get("image", "")}
    assert images == {f"apache/druid:{version.group(1)}"}


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_no_secret_has_a_default(missing: str) -> None:
    """Without one of the secrets docker-compose refuses to start, naming it."""
    result = _compose("config", "-q", secrets={k: v for k, v in SECRETS.items() if k != missing})
    assert result.returncode != 0
    assert missing in result.stderr


def test_only_the_api_is_published(resolved: dict[str, Any]) -> None:
    published = sorted(n for n, s in resolved["services"].items() if s.get("ports"))
    assert published == ["api"]


def test_the_services_behind_the_api_share_only_an_internal_network(
    resolved: dict[str, Any],
) -> None:
    assert resolved["networks"]["backend"].get("internal") is True
    for name in BACKEND:
        assert set(resolved["services"][name]["networks"]) == {"backend"}, name
    assert set(resolved["services"]["api"]["networks"]) == {"backend", "public"}


def test_no_secret_on_a_command_line(resolved: dict[str, Any]) -> None:
    """`ps` shows command lines to every local user: secrets travel in the environment."""
    for name, service in resolved["services"].items():
        command = json.dumps(service.get("command", ""))
        for secret in SECRETS.values():
            assert secret not in command, name


def test_sluice_reaches_redis_with_its_password(resolved: dict[str, Any]) -> None:
    for name in ("api", "worker"):
        url = resolved["services"][name]["environment"]["SLUICE_REDIS_URL"]
        assert url == f"redis://:{SECRETS['REDIS_PASSWORD']}@redis:6379/0"
