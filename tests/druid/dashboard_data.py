"""A deterministic sales CSV for the dashboard query tests, and its Polars reading.

It has every column kind the queries care about: a time column, text with nulls, quotes,
unicode and SQL-looking values (that must be matched as plain text), doubles and longs with
nulls, and a high-cardinality id for approximate distinct counts.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, datetime, timedelta

import polars as pl

ROWS = 20_000
START = datetime(2024, 1, 1, tzinfo=UTC)
DAYS = 91  # 2024-01-01 .. 2024-03-31
CITIES = [
    "Paris",
    "paris",
    "Oslo",
    "Berlin",
    "São Paulo",
    "Zürich",
    "O'Brien Town",
    'Say "hi"',
    "'; DROP TABLE sales; --",
    "x' OR '1'='1",
    "/* c */ Rome",
    "-- Lima",
]
DEVICES = ["ios", "android", "web"]
USERS = 3_000


def make_csv() -> bytes:
    """The CSV bytes (header + ROWS rows); empty fields are nulls."""
    rng = random.Random(20240101)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["ts", "city", "device", "amount", "qty", "user_id"])
    for _ in range(ROWS):
        moment = START + timedelta(seconds=rng.randrange(DAYS * 86_400))
        city = rng.choice(CITIES) if rng.random() > 0.04 else ""
        amount = f"{rng.uniform(0.5, 500):.2f}" if rng.random() > 0.05 else ""
        qty = str(rng.randint(1, 20)) if rng.random() > 0.05 else ""
        writer.writerow(
            [
                moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                city,
                rng.choice(DEVICES),
                amount,
                qty,
                f"u{rng.randrange(USERS)}",
            ]
        )
    return out.getvalue().encode()


def read_frame(data: bytes) -> pl.DataFrame:
    """The file as Polars reads it; `__time` is the parsed `ts`, like Druid's."""
    frame = pl.read_csv(
        io.BytesIO(data),
        schema={
            "ts": pl.String,
            "city": pl.String,
            "device": pl.String,
            "amount": pl.Float64,
            "qty": pl.Int64,
            "user_id": pl.String,
        },
    )
    return frame.with_columns(
        pl.col("ts").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC").alias("__time")
    )
