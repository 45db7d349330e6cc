from __future__ import annotations

import pytest

from core.names import datasource_name_problem, safe_filename


@pytest.mark.parametrize("name", ["sales", "sales 2024", "Sales-2024_v2", "ventes_été", "a" * 255])
def test_valid_datasource_names(name: str) -> None:
    assert datasource_name_problem(name) is None


@pytest.mark.parametrize(
    "name,words",
    [
        ("", "empty"),
        ("   ", "empty"),
        (".hidden", "'.'"),
        ("a/b", "'/'"),
        ("tab\there", "U+0009"),
        ("new\nline", "U+000A"),
        ("zero\u200bwidth", "U+200B"),
        (" padded", "space"),
        ("a" * 256, "at most 255"),
        ("sales😀", "U+1F600"),  # Druid: "dataSource cannot contain character #55357"
        ("private\ue000use", "U+E000"),
        ("special\ufff5", "U+FFF5"),
    ],
)
def test_invalid_datasource_names_say_why(name: str, words: str) -> None:
    problem = datasource_name_problem(name)
    assert problem is not None and words in problem


@pytest.mark.parametrize(
    "given,expected",
    [
        ("data.csv", "data.csv"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\sales 2024.xlsx", "sales_2024.xlsx"),
        ("", "upload"),
        (None, "upload"),
        ("...", "upload"),
    ],
)
def test_safe_filename(given: str | None, expected: str) -> None:
    assert safe_filename(given) == expected
