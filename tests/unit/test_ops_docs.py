"""docs/ops/: the Grafana dashboard and the alert rules use only metrics that exist, and the
dashboard shows every one of them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from prometheus_client import REGISTRY

import core.metrics  # noqa: F401  (registers the sluice_* metrics)

OPS = Path(__file__).resolve().parents[2] / "docs" / "ops"
NAME = re.compile(r"\bsluice_[a-z_]+")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def _series_names() -> dict[str, str]:
    """Every series name Prometheus will see, mapped to its metric's name."""
    names = {}
    for family in REGISTRY.collect():
        if family.name.startswith("sluice_"):
            for suffix in SUFFIXES[family.type]:
                names[family.name + suffix] = family.name
    return names


def _dashboard_exprs() -> list[str]:
    dashboard = json.loads((OPS / "grafana-dashboard.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def _alert_exprs() -> list[str]:
    rules = yaml.safe_load((OPS / "alerts.yml").read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def test_every_name_in_the_dashboard_and_alerts_exists() -> None:
    known = _series_names()
    for expr in _dashboard_exprs() + _alert_exprs():
        for name in NAME.findall(expr):
            assert name in known, f"{name} (in {expr!r}) is not a metric Sluice exposes"


def test_the_dashboard_shows_every_metric() -> None:
    used = {_series_names()[n] for e in _dashboard_exprs() for n in NAME.findall(e)}
    assert used == set(_series_names().values())


def test_alerts_cover_a_stuck_queue_failing_tasks_and_reconciliation() -> None:
    text = " ".join(_alert_exprs())
    for name in (
        "sluice_queue_oldest_job_age_seconds",
        "sluice_tasks_finished_total",
        "sluice_reconciliation_failures_total",
    ):
        assert name in text
