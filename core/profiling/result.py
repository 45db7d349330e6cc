"""What `validate_file` takes as limits and gives back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.model import Profile, StagedData


@dataclass(frozen=True)
class Limits:
    """Input limits, built by the worker from `Settings`."""

    max_columns: int
    max_xlsx_uncompressed_bytes: int
    max_column_name_length: int
    # Compressed uploads (archives.py) and JSON records (jsonl.py); Settings has the same
    # defaults and says what each means.
    max_decompressed_bytes: int = 50 * 1024**3
    max_decompression_ratio: float = 250.0
    max_json_record_bytes: int = 16 * 1024**2


@dataclass(frozen=True)
class ValidationResult:
    """A validated upload: its profile, the staged CSV part(s) and the quarantined rows.

    `profile.rows_total == profile.rows_valid + profile.rows_quarantined`, exactly.
    Staged files are UTF-8, comma-separated, RFC-4180 quoted CSV with a header row, columns in
    `staged_columns` order; the time column (if any) holds epoch milliseconds.
    With `reads_upload`, there are none: Druid reads the uploaded file itself (its columns in
    `staged_columns` order, `header_rows` lines to skip, values between `delimiter`s, time as
    `profile.timestamp` says).
    The quarantine file (None when every row is valid) is CSV with the row's values under the
    upload's columns, then `_sluice_row` (1-based data row number) and `_sluice_reason`
    (core/quarantine.py has the layout).
    """

    profile: Profile
    staged_files: tuple[Path, ...]
    staged_columns: tuple[str, ...]
    quarantine_file: Path | None
    reads_upload: bool = False
    header_rows: int = 1
    delimiter: str = ","  # with `reads_upload`: the upload's (direct.py)

    def staged_data(self, uris: tuple[str, ...], *, staged_format: str = "csv") -> StagedData:
        """What Druid is told to read: `uris` are the upload's (when `reads_upload`) then the
        staged parts', as stored."""
        return StagedData(
            uris=uris,
            format=staged_format,
            columns=self.staged_columns,
            rows=self.profile.rows_valid,
            header_rows=self.header_rows,
            reads_upload=self.reads_upload,
            delimiter=self.delimiter,
        )
