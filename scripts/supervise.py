"""The local stack under supervisord: which services run, and what happens when one dies.

python -m scripts.supervise conf [NAME...]  print a supervisord.conf running these services (all)
python -m scripts.supervise watch          supervisord event listener (started by that config)

supervisord restarts a service that exits; one that dies within `START_SECONDS` of starting is
retried after 1, 2, 3, ... s, and after `supervise_start_retries` (settings, 8) such tries it
is given up (FATAL). The watcher then names it, shows the end of its log and stops the whole
stack, so `make run` ends instead of running without, say, PostgreSQL. Why supervisord and not
honcho: docs/decisions.md.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.settings import ROOT, Settings

START_SECONDS = 5
# The `ready` service waits for the others and prints the URL; when it exits with an error,
# something did not become healthy and the stack stops (it said which, above).
READY = "ready"


@dataclass(frozen=True)
class Service:
    name: str
    command: str
    # supervisord starts lower numbers first and stops higher numbers first.
    priority: int
    stop_signal: str = "TERM"


SERVICES = (
    # Fast shutdown: disconnect clients and stop (TERM would wait for every client to leave).
    Service("postgres", "scripts/run-postgres.sh", 10, stop_signal="INT"),
    Service("redis", "scripts/run-redis.sh", 10),
    Service("s3", "scripts/run-s3.sh", 10),
    # ZooKeeper stops last among Druid's services so they can deregister (druid/run.sh).
    Service("zookeeper", "druid/run.sh zookeeper", 20),
    Service("coordinator", "druid/run.sh coordinator-overlord", 30),
    Service("broker", "druid/run.sh broker", 40),
    Service("historical", "druid/run.sh historical", 40),
    Service("middlemanager", "druid/run.sh middleManager", 40),
    Service("api", "scripts/run-api.sh", 50),
    Service("worker", "scripts/run-worker.sh", 50),
    Service(READY, "scripts/run-ready.sh", 60),
)
BY_NAME = {service.name: service for service in SERVICES}


def failure_marker(settings: Settings) -> Path:
    """Written by the watcher when it stops the stack; names the service that failed."""
    return settings.data_dir / "supervise.failed"


def render_conf(names: Sequence[str], settings: Settings, *, python: str) -> str:
    """A supervisord configuration running `names` in the foreground.

    supervisord's own events, the watcher's explanations and the ready check's URL go to
    stdout; each service's output goes to `.data/logs/<service>.log`.
    """
    data, logs = settings.data_dir, settings.data_dir / "logs"
    # As root, say so: supervisord otherwise warns that it did not drop privileges.
    as_root = "user = root\n" if os.getuid() == 0 else ""
    sections = [
        "[supervisord]\n"
        "nodaemon = true\n"
        # In the foreground supervisord also logs to stdout: its console is the file's copy.
        f"logfile = {logs}/supervisord.log\n"
        "loglevel = info\n"
        f"pidfile = {data}/supervisord.pid\n"
        f"childlogdir = {logs}\n"
        f"directory = {ROOT}\n"
        "identifier = sluice\n"
        f"{as_root}",
        "[eventlistener:watch]\n"
        f"command = {python} -m scripts.supervise watch\n"
        f"directory = {ROOT}\n"
        "events = PROCESS_STATE_EXITED,PROCESS_STATE_FATAL\n"
        "stderr_logfile = /dev/stdout\n"
        "stderr_logfile_maxbytes = 0\n"
        "priority = 1\n",
    ]
    for name in names:
        service = BY_NAME[name]
        ready = name == READY
        sections.append(
            f"[program:{name}]\n"
            f"command = {ROOT}/{service.command}\n"
            f"directory = {ROOT}\n"
            f"priority = {service.priority}\n"
            f"autorestart = {'false' if ready else 'true'}\n"
            f"startsecs = {0 if ready else START_SECONDS}\n"
            f"startretries = {settings.supervise_start_retries}\n"
            f"stopsignal = {service.stop_signal}\n"
            "stopasgroup = true\n"
            "killasgroup = true\n"
            "stopwaitsecs = 30\n"
            "redirect_stderr = true\n"
            + (
                "stdout_logfile = /dev/stdout\nstdout_logfile_maxbytes = 0\n"
                if ready
                else f"stdout_logfile = {logs}/{name}.log\n"
                "stdout_logfile_maxbytes = 20MB\nstdout_logfile_backups = 2\n"
            )
        )
    return "\n".join(sections)


def _log_tail(settings: Settings, name: str, lines: int = 8) -> str:
    path = settings.data_dir / "logs" / f"{name}.log"
    try:
        with path.open("rb") as log:
            log.seek(max(0, path.stat().st_size - 16_384))
            text = log.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join("    " + line for line in text.splitlines()[-lines:])


def describe(event: str, fields: dict[str, str], settings: Settings) -> tuple[str, bool]:
    """What to tell the person about one supervisord event, and whether to stop the stack."""
    name = fields.get("processname", "?")
    log = f".data/logs/{name}.log"
    if event == "PROCESS_STATE_FATAL":
        return (
            f"{name} could not be started again ({settings.supervise_start_retries} tries, each "
            f"stopped within {START_SECONDS} s); stopping Sluice. The end of {log}:\n"
            f"{_log_tail(settings, name)}",
            True,
        )
    if name == READY:
        if fields.get("expected") == "1":
            return "", False
        return "the stack did not become healthy (see above); stopping Sluice.", True
    if fields.get("expected") == "1":
        return "", False
    return (
        f"{name} stopped unexpectedly; restarting it. The end of {log}:\n"
        f"{_log_tail(settings, name)}",
        False,
    )


def watch(settings: Settings) -> None:
    """supervisord event listener: explain crashes, stop the stack when one cannot restart."""
    from supervisor import childutils

    marker = failure_marker(settings)
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        fields, _ = childutils.eventdata(payload + "\n")
        message, stop = describe(headers["eventname"], fields, settings)
        if message:
            print(f"supervise: {message}", file=sys.stderr, flush=True)
        if stop:
            marker.write_text(fields.get("processname", "?") + "\n")
            os.kill(os.getppid(), signal.SIGTERM)  # supervisord stops everything, in order
        childutils.listener.ok(sys.stdout)


def main(argv: Sequence[str]) -> int:
    settings = Settings()
    if argv[:1] == ["watch"]:
        watch(settings)
        return 0
    if argv[:1] == ["conf"] and all(name in BY_NAME for name in argv[1:]):
        names = argv[1:] or [service.name for service in SERVICES]
        print(render_conf(names, settings, python=sys.executable))
        return 0
    print(f"usage: python -m scripts.supervise conf {{{'|'.join(BY_NAME)}}}... | watch")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
