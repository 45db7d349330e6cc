"""The local stack's secrets: generated once, private, read by Settings, never constants."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from core import stack_secrets
from core.settings import Settings, shell_exports


@pytest.fixture(autouse=True)
def _no_outside_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only what a test writes counts: no SLUICE_* variables, no checkout .env."""
    import os

    for name in [n for n in os.environ if n.startswith("SLUICE_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_secrets_are_generated_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "stack.env"
    assert stack_secrets.ensure(path) is True
    first = stack_secrets.read(path)
    assert set(first) == set(stack_secrets.GENERATED)
    assert len(first["SLUICE_S3_SECRET_KEY"]) == 60  # 30 random bytes, hex
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stack_secrets.ensure(path) is False
    assert stack_secrets.read(path) == first
    assert [p.name for p in path.parent.iterdir()] == ["stack.env"]  # no drafts left


def test_an_older_file_is_completed_without_changing_what_it_has(tmp_path: Path) -> None:
    path = tmp_path / "stack.env"
    path.write_text("SLUICE_S3_ACCESS_KEY=kept\n")
    assert stack_secrets.ensure(path) is True
    values = stack_secrets.read(path)
    assert values["SLUICE_S3_ACCESS_KEY"] == "kept" and "SLUICE_REDIS_PASSWORD" in values


def test_no_secret_is_a_constant_in_the_settings(tmp_path: Path) -> None:
    # Neither this machine's generated secrets nor a .env: only the class's own defaults.
    settings = Settings(_env_file=None, data_dir=tmp_path)
    assert settings.s3_access_key == settings.s3_secret_key == ""
    assert settings.redis_password is None and settings.postgres_password is None
    assert "postgres@" not in settings.database_url  # Sluice is not the superuser


def test_settings_read_the_secrets_file_and_env_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLUICE_DATA_DIR", str(tmp_path))
    stack_secrets.ensure(tmp_path / "secrets" / "stack.env")
    generated = stack_secrets.read(tmp_path / "secrets" / "stack.env")
    settings = Settings()
    assert settings.s3_secret_key == generated["SLUICE_S3_SECRET_KEY"]
    assert settings.redis_url == (f"redis://:{generated['SLUICE_REDIS_PASSWORD']}@127.0.0.1:6390/0")
    password = generated["SLUICE_POSTGRES_PASSWORD"]
    assert settings.database_url == f"postgresql://sluice:{password}@127.0.0.1:5433/sluice"
    assert settings.druid_metadata_url == f"postgresql://sluice:{password}@127.0.0.1:5433/druid"
    monkeypatch.setenv("SLUICE_S3_SECRET_KEY", "from-the-environment")
    assert Settings().s3_secret_key == "from-the-environment"


def test_a_url_with_its_own_password_keeps_it() -> None:
    settings = Settings(redis_url="redis://:own@h:1/0", redis_password="generated")
    assert settings.redis_url == "redis://:own@h:1/0"


def test_exports_carry_the_secrets_for_the_services_environment(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, s3_secret_key="s3cr3t", redis_password="pw")
    exports = shell_exports(settings)
    assert "export SLUICE_S3_SECRET_KEY='s3cr3t'" in exports
    assert "export SLUICE_REDIS_PASSWORD='pw'" in exports
