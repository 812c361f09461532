"""SMS length: GSM-7 / UCS-2 segment counting, and fitting free text into a template.

A message in the GSM 03.38 alphabet takes 160 characters in one segment and 153 per segment
when split (the rest is the concatenation header); one character outside it (á, í, ó, ú, emoji)
turns the whole message into UCS-2: 70 characters, 67 per segment when split. Characters of the
GSM extension table ({, }, €, ...) take two septets; characters outside the BMP take two UCS-2
code units.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = "^{}\\[~]|€\f"
_GSM_SET = frozenset(GSM_BASIC)
_GSM_EXT_SET = frozenset(GSM_EXTENSION)

MAX_SEGMENTS = 2


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or 16-bit code units (UCS-2)
    segments: int


def is_gsm7(text: str) -> bool:
    return all(ch in _GSM_SET or ch in _GSM_EXT_SET for ch in text)


def measure(text: str) -> SmsLength:
    if is_gsm7(text):
        units = sum(2 if ch in _GSM_EXT_SET else 1 for ch in text)
        single, part, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part, encoding = 70, 67, "UCS-2"
    segments = 1 if units <= single else -(-units // part)
    return SmsLength(encoding, units, max(segments, 1))


def segments(text: str) -> int:
    return measure(text).segments


# Accents that force UCS-2 are dropped (common practice in Chilean SMS); é, ñ, ü, ¿, ¡ stay.
def to_gsm(text: str) -> str:
    """The text in the GSM alphabet: accents folded, other symbols dropped, spaces collapsed."""
    out = []
    for ch in text:
        if ch in _GSM_SET and ch not in "\r\n":
            out.append(ch)
        elif ch in "\r\n\t":
            out.append(" ")
        elif ch == "º" or ch == "°":
            out.append("o")
        elif ch in "“”«»":
            out.append('"')
        elif ch in "‘’":
            out.append("'")
        else:
            base = unicodedata.normalize("NFKD", ch)[:1]
            if base in _GSM_SET:
                out.append(base)
    return " ".join("".join(out).split())


def fit(build: Callable[[str], str], free_text: str, max_segments: int = MAX_SEGMENTS) -> str:
    """``build(excerpt)`` with the longest word-bounded excerpt of ``free_text`` that keeps the
    message within ``max_segments``; the excerpt ends in "..." when shortened, and is left out
    (empty) when even one word does not fit."""
    text = to_gsm(free_text)
    message = build(text)
    if segments(message) <= max_segments:
        return message
    words = text.split(" ")
    lo, hi = 0, len(words)  # the longest prefix of words that fits, by bisection
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if segments(build(" ".join(words[:mid]) + "...")) <= max_segments:
            lo = mid
        else:
            hi = mid - 1
    return build(" ".join(words[:lo]) + "..." if lo else "")
