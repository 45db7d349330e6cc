"""The quarantine preview reads the round-trip layout and the one before it."""

from __future__ import annotations

from core import quarantine


class _Head:
    """The one object-store call the preview makes (pure logic: no S3 needed)."""

    def __init__(self, text: str) -> None:
        self._data = text.encode()

    async def read_head(self, key: str, size: int) -> bytes:
        return self._data[:size]


async def _preview(text: str) -> list[quarantine.QuarantinedRow]:
    return await quarantine.preview(_Head(text), "k", limit=5)  # type: ignore[arg-type]


async def test_round_trip_layout_values_first_bookkeeping_after() -> None:
    text = (
        "ts,city,_sluice_row,_sluice_reason,_sluice_extra_1\nx,Lyon,6,bad date,\n,Nice,9,long,z\n"
    )
    rows = await _preview(text)
    assert [(r.source_row, r.reason) for r in rows] == [(6, "bad date"), (9, "long")]
    assert rows[0].values == (("ts", "x"), ("city", "Lyon"))  # empty extras left out
    assert rows[1].values == (("ts", ""), ("city", "Nice"), ("_sluice_extra_1", "z"))


async def test_files_written_before_the_round_trip_still_preview() -> None:
    rows = await _preview("source_row,reason,a,extra_field_1\n3,row is empty,,\n")
    assert [(r.source_row, r.reason, r.values) for r in rows] == [(3, "row is empty", (("a", ""),))]


def test_bookkeeping_columns_are_named_by_their_prefix() -> None:
    assert quarantine.is_bookkeeping("_sluice_reason")
    assert not quarantine.is_bookkeeping("sluice_upload")  # Druid's column, another thing
