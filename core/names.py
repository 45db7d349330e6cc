"""Rules for names people choose: Druid datasource names and uploaded filenames."""

from __future__ import annotations

import re
import unicodedata

MAX_DATASOURCE_LENGTH = 255


def datasource_name_problem(name: str) -> str | None:
    """Return why `name` is not a valid Druid datasource name, or None when it is.

    Druid's rules (IdUtils.validateId): not empty, no leading '.', no '/', no whitespace
    other than a plain space. We are stricter on length and control characters so names
    stay usable in URLs, SQL and the UI.
    """
    if not name or not name.strip():
        return "The datasource name is empty. Choose a name such as 'sales_2024'."
    if name != name.strip():
        return "The datasource name starts or ends with a space. Remove the extra spaces."
    if len(name) > MAX_DATASOURCE_LENGTH:
        return (
            f"The datasource name is {len(name)} characters long; Druid allows at most "
            f"{MAX_DATASOURCE_LENGTH}. Choose a shorter name."
        )
    if name.startswith("."):
        return "The datasource name starts with '.', which Druid does not allow. Remove the dot."
    if "/" in name:
        return "The datasource name contains '/', which Druid does not allow. Use '_' or '-'."
    for char in name:
        if char != " " and (char.isspace() or unicodedata.category(char).startswith("C")):
            return (
                f"The datasource name contains the invisible character U+{ord(char):04X}. "
                "Use letters, digits, spaces, '_' or '-'."
            )
        if _druid_refuses(char):
            return (
                f"The datasource name contains '{char}' (U+{ord(char):04X}), which Druid does "
                "not allow in a datasource name (no emoji or other characters beyond Unicode's "
                "Basic Multilingual Plane, no private-use characters). Use letters, digits, "
                "spaces, '_' or '-'."
            )
    return None


def _druid_refuses(char: str) -> bool:
    """Druid 25's IdUtils.validateId, per UTF-16 unit: it refuses U+0001-U+001E,
    U+0080-U+009E, U+D801-U+F8FE (surrogates, so anything beyond U+FFFF, and private use)
    and U+FFF1-U+FFFE, because ids become ZooKeeper paths."""
    code = ord(char)
    return (
        code > 0xFFFF
        or 0 < code < 31
        or 127 < code < 159
        or 0xD800 < code < 0xF8FF
        or 0xFFF0 < code < 0xFFFF
    )


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(filename: str | None) -> str:
    """A filename safe to use inside an S3 key: basename only, no odd characters."""
    base = (filename or "upload").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).strip("._") or "upload"
    return cleaned[:200]
