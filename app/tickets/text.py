"""Text as people meant it: control characters removed, and a folded form for matching."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def sanitize(text: str | None) -> str:
    """Without control characters (Postgres refuses NUL outright), trimmed."""
    return _CONTROL.sub("", text or "").strip()


def fold(text: str) -> str:
    """Lower case without accents, for matching what people type."""
    decomposed = unicodedata.normalize("NFKD", (text or "").strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
