"""Rendering GeoReport v2 answers: JSON, or XML with the spec's element names."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405 - we only build XML, never parse it

from flask import Response

from app.tickets.text import strip_unprintable

MIMETYPES = {"json": "application/json", "xml": "text/xml"}
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

# A list under this key holds elements of this name (``<attributes><attribute>...``).
XML_ITEM_NAMES = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return strip_unprintable(str(value))  # XML 1.0 cannot carry them, even escaped


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _append(element, key, child)
    elif isinstance(value, list):
        item_name = XML_ITEM_NAMES[element.tag]
        for item in value:
            _append(element, item_name, item)
    elif value is not None:
        element.text = _text(value)


def _append(parent: ET.Element, name: str, value: Any) -> None:
    _fill(ET.SubElement(parent, name), value)


def to_xml(root: str, item: str | None, payload: Any) -> str:
    """``to_xml("services", "service", [...])`` or ``to_xml("discovery", None, {...})``."""
    element = ET.Element(root)
    if item is None:
        _fill(element, payload)
    else:
        for entry in payload:
            _append(element, item, entry)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode")


def render(fmt: str, payload: Any, root: str, item: str | None, status: int = 200) -> Response:
    body = to_xml(root, item, payload) if fmt == "xml" else json.dumps(payload, ensure_ascii=False)
    return Response(body, status=status, content_type=f"{MIMETYPES[fmt]}; charset=utf-8")


def render_errors(fmt: str, status: int, descriptions: list[str]) -> Response:
    errors = [{"code": status, "description": text} for text in descriptions]
    return render(fmt, errors, "errors", "error", status=status)
