"""Atom (RFC 4287) feeds of the progress updates the focused units publish: one for all units,
one per unit. Built with ElementTree, so every text is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from app.models import Department, ProgressUpdate

ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 50


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def atom(
    *,
    title: str,
    self_url: str,
    page_url: str,
    updates: Sequence[ProgressUpdate],
    entry_title,
    entry_text,
    entry_url,
    fallback_updated: datetime,
    language: str,
) -> bytes:
    """The feed document. ``entry_*`` give each update's title, text and page in the feed's
    language; ids are tag URIs that never change (RFC 4151)."""
    ET.register_namespace("", ATOM)
    host = urlsplit(page_url).hostname or "localhost"
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": language})
    _add(feed, "id", f"tag:{host},2026:conectados/transparencia{urlsplit(self_url).path}")
    _add(feed, "title", title)
    updated = max((u.published_at for u in updates), default=fallback_updated)
    _add(feed, "updated", _stamp(updated))
    author = _add(feed, "author")
    _add(author, "name", "Municipalidad de Peñalolén")
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=page_url)
    _add(feed, "rights", "CC BY 4.0")
    for update in list(updates)[:MAX_ENTRIES]:
        entry = _add(feed, "entry")
        _add(entry, "id", f"tag:{host},2026:conectados/avance/{update.id}")
        _add(entry, "title", entry_title(update))
        _add(entry, "updated", _stamp(update.published_at))
        _add(entry, "published", _stamp(update.published_at))
        _add(entry, "link", rel="alternate", type="text/html", href=entry_url(update))
        _add(entry, "content", entry_text(update), type="text")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


def unit_of(update: ProgressUpdate) -> Department:
    return update.initiative.department
