"""Druid refusing an ingestion spec at submission (HTTP 400), in plain words.

Druid answers with Jackson's text ("Cannot construct instance of `org.apache…`, problem: …
at [Source: …]"); only the problem is kept, and the known ones (seen on Druid 25) are
translated. The spec builder and the upload checks refuse these inputs earlier, so reaching
this means a check is missing: the message still says what to change.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from core.druid.failures import FailureExplanation
from core.errors import clean_foreign_text


def explain_rejection(druid_message: str) -> FailureExplanation:
    """Why Druid refused an ingestion spec, for a person; never retryable (same spec, same
    answer)."""
    found = re.search(r"problem: ([^\n]*)", druid_message)
    problem = found.group(1) if found else druid_message.strip().split("\n")[0]
    for pattern, explain in _REJECTIONS:
        match = re.search(pattern, problem)
        if match is not None:
            why = explain(match)
            break
    else:
        why = f"Druid refused the ingestion: {_without_java_names(problem).rstrip('.')}."
    return FailureExplanation(
        code="DRUID_REJECTED",
        message=why,
        retryable=False,
        detail=_without_java_names(problem)[:500],
    )


def _duplicate_column(match: re.Match[str]) -> str:
    column = match.group(1)
    if column == "__time":
        return (
            "Druid refused the ingestion: the file has a column named '__time', the name Druid "
            "keeps for its own time column. Rename that column in the file (or choose it as the "
            "time column) and upload it again."
        )
    return (
        f"Druid refused the ingestion: the column '{column}' appears more than once. Give "
        "every column a different name and upload the file again."
    )


def _delimiter_in_name(match: re.Match[str]) -> str:
    return (
        f"Druid refused the ingestion: the column name '{match.group(1)}' contains "
        f"'{match.group(2)}', which Druid's CSV reader does not allow in a column name. Rename "
        "the column in the file and upload it again."
    )


def _datasource_character(match: re.Match[str]) -> str:
    code = int(match.group(1))
    what = (
        "an emoji or another character outside Unicode's Basic Multilingual Plane"
        if 0xD800 <= code <= 0xDFFF
        else f"the character U+{code:04X}"
    )
    return (
        f"Druid refused the ingestion: the datasource name contains {what} (position "
        f"{match.group(2)}), which Druid does not allow in a datasource name. Choose a name of "
        "letters, digits, spaces, '_' or '-' and upload the file again."
    )


_REJECTIONS: tuple[tuple[str, Callable[[re.Match[str]], str]], ...] = (
    (r"Cannot specify a column more than once: \[([^\]]*)\]", _duplicate_column),
    (r"Column\[(.*)\] cannot have the delimiter\[(.)\] in its name", _delimiter_in_name),
    (r"dataSource cannot contain character #(\d+) \(at position (\d+)\)", _datasource_character),
)


def _without_java_names(text: str) -> str:
    """Druid's words without Jackson's parser positions, then the shared sanitizer (Java class
    names, stack frames, paths)."""
    text = re.sub(r"\s*at \[Source:.*", "", text, flags=re.DOTALL)
    text = re.sub(r"Cannot construct instance of `[^`]*`,?\s*(problem:\s*)?", "", text)
    return clean_foreign_text(text, limit=500)
