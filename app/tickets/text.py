"""Text as people meant it: control characters removed, and a folded form for matching."""

from __future__ import annotations

import re
import unicodedata

# What no text of ours may carry: C0 controls but tab and line breaks, DEL, lone surrogates and
# the two non-characters. Postgres refuses NUL outright, a lone surrogate cannot be encoded,
# and none of them is allowed in an XML document.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# A one-line value (an identifier, a code, a filter, a URL) carries no tab or line break either.
_NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def strip_unprintable(text: str) -> str:
    """The text without the characters above (tabs and line breaks stay)."""
    return _UNPRINTABLE.sub("", text)


def is_one_line(text: str) -> bool:
    return _NOT_ONE_LINE.search(text) is None


def sanitize(text: str | None) -> str:
    """Without control characters (Postgres refuses NUL outright), trimmed."""
    return strip_unprintable(text or "").strip()


def fold(text: str) -> str:
    """Lower case without accents, for matching what people type."""
    decomposed = unicodedata.normalize("NFKD", (text or "").strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
