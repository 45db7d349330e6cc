"""The command-line client's pure parts: configuration, remembered sessions, arguments."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cli import config
from cli.commands import _interval, _metric
from cli.render import _row_counts
from cli.transfer import SessionMemory


def test_url_and_token_from_flag_then_environment_then_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("SLUICE_URL", raising=False)
    monkeypatch.delenv("SLUICE_TOKEN", raising=False)
    assert config.load().url == config.DEFAULT_URL and config.load().token is None

    (tmp_path / "sluice").mkdir()
    (tmp_path / "sluice" / "config.toml").write_text('url = "https://file/"\ntoken = "t-file"\n')
    assert (config.load().url, config.load().token) == ("https://file", "t-file")
    monkeypatch.setenv("SLUICE_URL", "https://env")
    monkeypatch.setenv("SLUICE_TOKEN", "t-env")
    assert (config.load().url, config.load().token) == ("https://env", "t-env")
    assert config.load("http://flag:1").url == "http://flag:1"


def test_a_broken_config_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "sluice").mkdir()
    (tmp_path / "sluice" / "config.toml").write_text("url = ")
    with pytest.raises(config.ConfigError, match=r"config\.toml is not valid TOML"):
        config.load()


def test_a_session_is_remembered_per_file_version_and_datasource(tmp_path: Path) -> None:
    memory = SessionMemory(tmp_path / "state")
    data = tmp_path / "big.csv"
    data.write_text("a\n1\n")
    key = SessionMemory.key("http://s", data, "sales")
    memory.put(key, "session-1")
    assert SessionMemory(tmp_path / "state").get(key) == "session-1"  # kept on disk
    assert SessionMemory.key("http://s", data, "other") != key
    data.write_text("a\n1\n2\n")  # the file changed: its old parts must not be reused
    os.utime(data, ns=(1, 1))
    assert SessionMemory.key("http://s", data, "sales") != key
    memory.forget(key)
    assert memory.get(key) is None


def test_metric_and_interval_arguments() -> None:
    assert _metric("count") == {"aggregate": "COUNT", "column": None}
    assert _metric("sum:amount") == {"aggregate": "SUM", "column": "amount"}
    assert _interval(None) is None
    assert _interval("last 7 days") == {"relative": "last 7 days"}
    assert _interval("2024-01-01/2024-02-01") == {"start": "2024-01-01", "end": "2024-02-01"}


def test_row_counts_show_only_what_is_known() -> None:
    counts = {"rowsTotal": 3, "rowsIngested": None, "rowsQuarantined": 0, "rowsThrownAway": None}
    assert _row_counts(counts) == "3 in the file, 0 quarantined"
    unknown = dict.fromkeys(counts)
    assert _row_counts(unknown) == "not counted yet"
