"""What the stack's watcher says about supervisord's events, and when it stops everything."""

from __future__ import annotations

import configparser
from pathlib import Path

from core.settings import Settings
from scripts.supervise import READY, SERVICES, describe, render_conf


def _settings(tmp_path: Path) -> Settings:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "redis.log").write_text("starting\nbind: Address already in use\n")
    return Settings(data_dir=tmp_path)


def test_a_crash_is_explained_with_the_end_of_the_log_and_the_stack_goes_on(
    tmp_path: Path,
) -> None:
    event = {"processname": "redis", "expected": "0"}
    message, stop = describe("PROCESS_STATE_EXITED", event, _settings(tmp_path))
    assert not stop
    assert message.startswith("redis stopped unexpectedly; restarting it.")
    assert "Address already in use" in message


def test_a_service_that_cannot_start_again_stops_the_stack(tmp_path: Path) -> None:
    message, stop = describe("PROCESS_STATE_FATAL", {"processname": "redis"}, _settings(tmp_path))
    assert stop
    assert message.startswith("redis could not be started again")
    assert "Address already in use" in message


def test_expected_exits_say_nothing_and_a_failed_ready_check_stops(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert describe("PROCESS_STATE_EXITED", {"processname": "api", "expected": "1"}, settings) == (
        "",
        False,
    )
    message, stop = describe(
        "PROCESS_STATE_EXITED", {"processname": READY, "expected": "0"}, settings
    )
    assert stop and "did not become healthy" in message


def test_the_configuration_starts_in_dependency_order_and_restarts_all_but_ready(
    tmp_path: Path,
) -> None:
    names = [service.name for service in SERVICES]
    conf = configparser.ConfigParser(interpolation=None)
    conf.read_string(render_conf(names, Settings(data_dir=tmp_path), python="/venv/bin/python"))

    programs = {
        s.removeprefix("program:"): conf[s] for s in conf.sections() if s.startswith("program:")
    }
    assert list(programs) == names
    priority = {name: int(section["priority"]) for name, section in programs.items()}
    assert priority["postgres"] < priority["zookeeper"] < priority["coordinator"]
    assert priority["coordinator"] < priority["broker"] < priority["api"] < priority[READY]
    assert {name for name, s in programs.items() if s["autorestart"] == "true"} == set(names) - {
        READY
    }
    assert programs["postgres"]["stopsignal"] == "INT"
    assert programs["redis"]["stdout_logfile"] == f"{tmp_path}/logs/redis.log"
    assert conf["eventlistener:watch"]["command"] == "/venv/bin/python -m scripts.supervise watch"
