"""Texts the municipality writes in Spanish with an optional English translation (``field`` and
``field_en``): the English one for English pages when there is one, else the Spanish one,
marked ``lang="es-CL"`` so a screen reader reads it as Spanish (WCAG 3.1.2)."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from markupsafe import Markup, escape


def english() -> bool:
    locale = get_locale()
    return bool(locale and locale.language == "en")


def localized(thing: Any, field: str) -> str:
    if english():
        translated = getattr(thing, f"{field}_en", "") or ""
        if translated.strip():
            return translated
    return getattr(thing, field) or ""


def tr(thing: Any, field: str) -> Markup:
    """The text for the page's language, escaped; Spanish shown on an English page is marked."""
    text = localized(thing, field)
    if (
        english()
        and text
        and text == (getattr(thing, field) or "")
        and not (getattr(thing, f"{field}_en", "") or "").strip()
    ):
        return Markup('<span lang="es-CL">%s</span>') % text
    return escape(text)


def tr_paragraphs(thing: Any, field: str) -> Markup:
    """A longer text as paragraphs (one per blank-line-separated block)."""
    text = localized(thing, field)
    spanish = english() and text == (getattr(thing, field) or "")
    opening = Markup('<p lang="es-CL">') if spanish else Markup("<p>")
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return Markup("").join(
        opening + Markup("<br>").join(block.split("\n")) + Markup("</p>") for block in blocks
    )


def spanish(text: str | None) -> Markup:
    """A name kept only in Spanish (a category, a unit, what staff wrote): on an English page
    it is marked ``lang="es-CL"`` so a screen reader pronounces it as Spanish."""
    if english() and text:
        return Markup('<span lang="es-CL">%s</span>') % text
    return escape(text or "")
