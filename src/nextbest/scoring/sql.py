"""Small builders of DuckDB SQL text. Values from configs and data enter SQL only through these."""

from __future__ import annotations


def quote(identifier: str) -> str:
    """Quote a column or table name."""
    return '"' + identifier.replace('"', '""') + '"'


def literal(value: str) -> str:
    """Quote a string constant."""
    return "'" + value.replace("'", "''") + "'"


def text_list(values: list[str]) -> str:
    """Return the inside of an IN (...) list; an empty list matches nothing."""
    return ", ".join(literal(value) for value in values) or "NULL"


def map_case(expression: str, mapping: dict[str, float], otherwise: str) -> str:
    """Return a CASE that maps the expression's values to numbers, else `otherwise`."""
    if not mapping:
        return otherwise
    cases = " ".join(f"WHEN {literal(key)} THEN {value!r}" for key, value in mapping.items())
    return f"CASE {expression} {cases} ELSE {otherwise} END"


def decay(age: str, half_life: str) -> str:
    """Return the weight left after `age` days with the given half-life in days."""
    return f"pow(0.5, {age} / {half_life})"
