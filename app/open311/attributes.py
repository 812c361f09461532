"""Category extra questions as Open311 service attributes, and the answers a client posts.

A category stores its questions in ``categories.attributes`` (JSON); the definition is checked
by ``AttributeDefinitionSchema`` whenever it is read, so a malformed one fails loudly.
Answers arrive as ``attribute[CODE]`` (one value) or ``attribute[CODE][]`` (multivaluelist).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from werkzeug.datastructures import MultiDict

from app.models import Category
from app.open311.errors import Open311Error

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
MAX_STRING = 300
MAX_TEXT = 4000


class AttributeValueSchema(Schema):
    key = fields.String(required=True)
    name = fields.String(required=True)


class AttributeDefinitionSchema(Schema):
    """One question, in the order and with the names of a GeoReport v2 service definition."""

    variable = fields.Boolean(load_default=True)
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    datatype = fields.String(required=True, validate=validate.OneOf(DATATYPES))
    required = fields.Boolean(load_default=False)
    datatype_description = fields.String(load_default="")
    order = fields.Integer(load_default=None, allow_none=True)
    description = fields.String(required=True)
    values = fields.List(fields.Nested(AttributeValueSchema), load_default=list)


def definitions(category: Category) -> list[dict[str, Any]]:
    """The category's questions, validated, numbered and sorted by ``order``."""
    loaded = AttributeDefinitionSchema(many=True).load(category.attributes or [])
    for position, definition in enumerate(loaded, start=1):
        if definition["order"] is None:
            definition["order"] = position
    return sorted(loaded, key=lambda d: d["order"])


def parse_w3c_datetime(text: str) -> datetime:
    """A W3C datetime with its zone (``2026-11-24T10:00:00-03:00`` or ``...Z``)."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        raise ValueError(text)
    return value


def _bounded(limit: int) -> Callable[[str, dict[str, Any]], str]:
    def convert(raw: str, _definition: dict[str, Any]) -> str:
        if len(raw) > limit:
            raise ValueError(_("es demasiado largo (máximo %(limit)s caracteres)", limit=limit))
        return raw

    return convert


def _number(raw: str, _definition: dict[str, Any]) -> float:
    try:
        number = float(raw.replace(",", "."))
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ValueError(_("debe ser un número"))
    return number


def _datetime(raw: str, _definition: dict[str, Any]) -> str:
    try:
        return parse_w3c_datetime(raw).isoformat()
    except ValueError:
        raise ValueError(_("debe ser una fecha y hora W3C con zona horaria")) from None


def _keys(definition: dict[str, Any]) -> set[str]:
    return {value["key"] for value in definition["values"]}


def _single(raw: str, definition: dict[str, Any]) -> str:
    if raw not in _keys(definition):
        raise ValueError(_("no es una de las opciones de la lista"))
    return raw


def _multiple(raw: list[str], definition: dict[str, Any]) -> list[str]:
    chosen = list(dict.fromkeys(raw))
    if not set(chosen) <= _keys(definition):
        raise ValueError(_("contiene valores que no están en la lista"))
    return chosen


CONVERTERS: dict[str, Callable[[Any, dict[str, Any]], Any]] = {
    "string": _bounded(MAX_STRING),
    "text": _bounded(MAX_TEXT),
    "number": _number,
    "datetime": _datetime,
    "singlevaluelist": _single,
    "multivaluelist": _multiple,
}


def _raw_answer(definition: dict[str, Any], form: MultiDict) -> Any:
    code = definition["code"]
    if definition["datatype"] == "multivaluelist":
        given = form.getlist(f"attribute[{code}][]") + form.getlist(f"attribute[{code}]")
        return [value.strip() for value in given if value.strip()]
    return (form.get(f"attribute[{code}]") or "").strip()


def read_answers(category: Category, form: MultiDict) -> dict[str, Any]:
    """The answers to the category's questions; every problem at once as a 400."""
    answers: dict[str, Any] = {}
    problems: list[str] = []
    for definition in definitions(category):
        code = definition["code"]
        raw = _raw_answer(definition, form)
        if not raw:
            if definition["required"]:
                problems.append(
                    _(
                        "attribute[%(code)s]: falta la respuesta a «%(question)s».",
                        code=code,
                        question=definition["description"],
                    )
                )
            continue
        try:
            answers[code] = CONVERTERS[definition["datatype"]](raw, definition)
        except ValueError as exc:
            problems.append(f"attribute[{code}]: {exc}")
    if problems:
        raise Open311Error(400, *problems)
    return answers
