"""Public ticket codes: 8 random Crockford base32 symbols + 1 ISO 7064 check symbol.

Shown as ``K7M4-QX9P-Z``. Read back tolerantly: any case, hyphens and spaces ignored, O read as
0 and I/L as 1. The hybrid MOD 33,32 check catches every single-symbol substitution and nearly
every adjacent swap, so a mistyped code is told apart from one that does not exist.
"""

from __future__ import annotations

import secrets

from stdnum.iso7064 import mod_37_36

from app.models.tickets import PUBLIC_ID_ALPHABET, PUBLIC_ID_LENGTH

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
BODY_LENGTH = 8
CODE_LENGTH = BODY_LENGTH + 1
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Hyphens as people type them: ASCII, en dash, em dash, the minus sign and a non-breaking hyphen
# (word processors and phones turn "-" into "–" or "—").
_SEPARATORS = str.maketrans("", "", " -_.\t\u2010\u2011\u2012\u2013\u2014\u2212\u00a0")


class CodeError(ValueError):
    """The text cannot be a ticket code."""


class MalformedCode(CodeError):
    """Wrong length or characters outside the alphabet."""


class MistypedCode(CodeError):
    """Well formed, but the check symbol does not match: most likely a typo."""


def check_symbol(body: str) -> str:
    return mod_37_36.calc_check_digit(body, ALPHABET)


def generate() -> str:
    """A new random code in canonical form (9 symbols, no hyphens)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_symbol(body)


def is_valid(canonical: str) -> bool:
    return (
        len(canonical) == CODE_LENGTH
        and all(c in ALPHABET for c in canonical)
        and mod_37_36.is_valid(canonical, ALPHABET)
    )


def display(canonical: str) -> str:
    """``K7M4QX9PZ`` -> ``K7M4-QX9P-Z``."""
    return f"{canonical[:4]}-{canonical[4:8]}-{canonical[8:]}"


def parse(text: str) -> str:
    """Read what a person typed into a canonical code; raise MalformedCode or MistypedCode."""
    cleaned = (text or "").strip().upper().translate(_SEPARATORS).translate(_READ_AS)
    if len(cleaned) != CODE_LENGTH or any(c not in ALPHABET for c in cleaned):
        raise MalformedCode(text)
    if not mod_37_36.is_valid(cleaned, ALPHABET):
        raise MistypedCode(text)
    return cleaned


def parse_public_id(text: str | None) -> str | None:
    """The canonical public id, or None when the text cannot be one."""
    cleaned = (text or "").strip().lower()
    if len(cleaned) != PUBLIC_ID_LENGTH or any(c not in PUBLIC_ID_ALPHABET for c in cleaned):
        return None
    return cleaned
