"""Validation, profiling and staging of uploads, as a pure library on local files.

    result = validate_file(path, options=IngestOptions(), limits=limits, out_dir=work_dir)

See pipeline.py for how the work is split into passes over the data.
"""

from __future__ import annotations

from core.profiling.errors import InputRejected, RejectCode
from core.profiling.pipeline import validate_file
from core.profiling.result import Limits, ValidationResult

__all__ = ["InputRejected", "Limits", "RejectCode", "ValidationResult", "validate_file"]
