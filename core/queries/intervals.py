"""Interval parsing: ISO-8601 start/end, or relative phrases such as "last 7 days".

All times are UTC. Relative intervals are computed against an explicit `now`, so tests can fix
it; calendar units ("this month") start at the calendar boundary, rolling ones ("last 7 days")
end at `now`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from core.queries.errors import InvalidQuery
from core.queries.model import TimeRange

_UNITS = ("minute", "hour", "day", "week", "month", "quarter", "year")
_EXAMPLES = (
    "'last 7 days', 'last 24 hours', 'last month', 'this month', 'previous week', "
    "'today', 'yesterday'"
)
_RELATIVE = re.compile(
    r"^(?P<kind>last|past|this|previous)\s+(?:(?P<count>\d{1,6})\s+)?(?P<unit>[a-z]+?)s?$"
)


def parse_instant(text: str, *, argument: str) -> datetime:
    """Parse an ISO-8601 date or date-time; a value without an offset is taken as UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidQuery(
            f"{argument} {text!r} is not an ISO-8601 date or time. "
            "Use e.g. '2024-03-01' or '2024-03-01T12:00:00Z'.",
            argument=argument,
        ) from None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def resolve_interval(
    *, start: str | None, end: str | None, relative: str | None, now: datetime
) -> TimeRange | None:
    """Turn interval arguments into a `TimeRange` (None: all time)."""
    if relative is not None and (start is not None or end is not None):
        raise InvalidQuery(
            "Give either a relative interval or start/end, not both.", argument="interval"
        )
    if relative is not None:
        return parse_relative(relative, now=now)
    if start is None and end is None:
        return None
    begin = parse_instant(start, argument="interval.start") if start is not None else None
    finish = parse_instant(end, argument="interval.end") if end is not None else None
    if begin is not None and finish is not None and begin >= finish:
        raise InvalidQuery(
            f"The interval starts at {begin.isoformat()} but ends at {finish.isoformat()}; "
            "the start must come before the end.",
            argument="interval",
        )
    return TimeRange(begin, finish)


def parse_relative(text: str, *, now: datetime) -> TimeRange:
    """Parse "last N <unit>s", "last <unit>", "this <unit>", "previous <unit>", "today"..."""
    phrase = " ".join(text.lower().split())
    if phrase == "today":
        phrase = "this day"
    elif phrase == "yesterday":
        phrase = "previous day"
    match = _RELATIVE.match(phrase)
    if match is None or match["unit"] not in _UNITS:
        raise InvalidQuery(
            f"The interval {text!r} is not understood. Use an ISO start/end or one of {_EXAMPLES}; "
            f"units are {', '.join(_UNITS)}.",
            argument="interval.relative",
        )
    kind, unit = match["kind"], match["unit"]
    count = int(match["count"]) if match["count"] else 1
    if kind in ("last", "past"):
        if count < 1:
            raise InvalidQuery("A relative interval needs at least 1 unit.", argument="interval")
        return TimeRange(shift(now, unit, -count), now)
    if match["count"]:
        raise InvalidQuery(
            f"{text!r}: '{kind}' takes no number. Say e.g. '{kind} {unit}' or 'last {count} "
            f"{unit}s'.",
            argument="interval.relative",
        )
    current = floor(now, unit)
    if kind == "this":
        return TimeRange(current, shift(current, unit, 1))
    return TimeRange(shift(current, unit, -1), current)


def floor(moment: datetime, unit: str) -> datetime:
    """Start of the calendar `unit` containing `moment` (weeks start on Monday, like Druid)."""
    moment = moment.astimezone(UTC)
    if unit == "minute":
        return moment.replace(second=0, microsecond=0)
    if unit == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "day":
        return day
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def shift(moment: datetime, unit: str, count: int) -> datetime:
    """`moment` moved by `count` units; months clamp the day (Mar 31 - 1 month = Feb 28/29)."""
    fixed = {"minute": 60, "hour": 3600, "day": 86_400, "week": 604_800}
    if unit in fixed:
        return moment + timedelta(seconds=fixed[unit] * count)
    months = count * {"month": 1, "quarter": 3, "year": 12}[unit]
    index = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    day = min(moment.day, _days_in_month(year, month))
    return moment.replace(year=year, month=month, day=day)


def _days_in_month(year: int, month: int) -> int:
    following = datetime(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def druid_timestamp(moment: datetime) -> str:
    """The ISO-8601 UTC text TIME_PARSE reads, with millisecond precision."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
