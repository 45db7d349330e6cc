"""How an upload's columns differ from those of the dataset it goes into.

The dataset's side is what Druid serves now (`core.catalog`: Druid's columns, with the
logical types the metadata store keeps, e.g. BOOLEAN stored as text). A type change matters
when Druid would store the two differently: Druid 25 reads a column with one type across
all segments (that of the segment with the latest time chunk), so text read as a number
becomes null and a decimal read as a whole number is cut. BOOLEAN or a second time column
against text is stored alike: a change worth a note, not a loss.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.catalog import HIDDEN_COLUMNS, TIME_COLUMN, Column, logical_type
from core.druid.spec import dimension_type
from core.model import ColumnProfile, ColumnType, Profile, SchemaChanges, TypeConflict

_WORDS = {
    ColumnType.STRING: "text",
    ColumnType.LONG: "whole numbers",
    ColumnType.DOUBLE: "decimal numbers",
    ColumnType.BOOLEAN: "true/false",
    ColumnType.TIMESTAMP: "times",
}


def schema_changes(dataset: Sequence[Column], profile: Profile) -> SchemaChanges:
    """Columns added, missing and retyped by this upload (the time column aside: it becomes
    Druid's `__time`)."""
    known = {c.name: c for c in dataset if c.name != TIME_COLUMN and c.name not in HIDDEN_COLUMNS}
    uploaded = [c for c in profile.columns if c.name != profile.timestamp.column]
    names = {c.name for c in uploaded}
    conflicts = []
    for column in uploaded:
        existing = known.get(column.name)
        if existing is None or _all_null(column, profile):
            continue  # an empty column holds nothing to lose, whatever its inferred type
        was, stored_as = _dataset_type(existing)
        if column.type != was:
            loses = stored_as != dimension_type(column.type)
            conflicts.append(TypeConflict(column.name, was, column.type, loses))
    return SchemaChanges(
        added=tuple(c.name for c in uploaded if c.name not in known),
        missing=tuple(name for name in known if name not in names),
        type_conflicts=tuple(conflicts),
    )


def _all_null(column: ColumnProfile, profile: Profile) -> bool:
    return column.null_count >= profile.rows_valid


def _dataset_type(column: Column) -> tuple[ColumnType, str]:
    """The column's logical type and how Druid stores it now. Druid's type wins where the
    logical type kept by the metadata store no longer matches it (a type was changed)."""
    if column.druid_type is None:
        return column.type, dimension_type(column.type)
    stored_as = dimension_type(logical_type(column.druid_type))
    if dimension_type(column.type) == stored_as:
        return column.type, stored_as
    return logical_type(column.druid_type), stored_as


def type_words(column_type: ColumnType) -> str:
    """A type as a person says it: "whole numbers", "text"."""
    return _WORDS[column_type]


def conflict_message(conflicts: Sequence[TypeConflict], *, datasource: str) -> str:
    """The SCHEMA_CONFLICT message: which columns, both types, what to do."""
    described = "; ".join(
        f"'{c.column}' holds {type_words(c.dataset_type)} in the dataset but "
        f"{type_words(c.upload_type)} in this file"
        for c in conflicts
    )
    names = ", ".join(f"'{c.column}'" for c in conflicts)
    return (
        f"Not ingested: the column types do not match dataset '{datasource}' ({described}). "
        "Druid reads a column with one type across the whole dataset, so the values of one "
        "side would read as null or be cut. Fix the values in the file and upload it again, "
        f"or ingest anyway and change {names} to the file's type (retry the task with "
        "allowTypeChange; the web app offers a button)."
    )


def change_notes(changes: SchemaChanges) -> tuple[str, ...]:
    """Warnings for the validation report: what the upload adds, lacks or retypes."""
    notes = []
    if changes.added:
        notes.append(
            f"New column(s) for this dataset: {', '.join(changes.added)}. Earlier rows have no "
            "value in them (null)."
        )
    if changes.missing:
        notes.append(
            f"Column(s) of the dataset missing from this file: {', '.join(changes.missing)}. "
            "Its rows have no value there (null); dashboards on these columns keep working."
        )
    for c in changes.type_conflicts:
        effect = "" if c.would_lose_values else " (stored alike by Druid: nothing is lost)"
        notes.append(
            f"Column '{c.column}' holds {type_words(c.upload_type)} here, "
            f"{type_words(c.dataset_type)} in the dataset{effect}."
        )
    return tuple(notes)
