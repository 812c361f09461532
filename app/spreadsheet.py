"""CSV for spreadsheets: a cell a spreadsheet would run as a formula is quoted (CSV injection)."""

from __future__ import annotations

# What a spreadsheet may take as the start of a formula or a command (OWASP's list, and "|").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "|")


def safe_cell(value: object) -> object:
    """Empty for no value; text that a spreadsheet would run as a formula starts with ``'``."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
