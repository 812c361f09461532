"""JSON API under /api/v1 (flask-smorest + marshmallow), OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

import re

from flask import request
from flask_babel import gettext as _
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import missing
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import Conflict

from app.open311.formats import render_errors
from app.public.views import render_error_page

# marshmallow's English messages -> Spanish source text (translated by Babel like the rest).
MESSAGES = {
    "Missing data for required field.": "Este campo es obligatorio.",
    "Field may not be null.": "Este campo no puede estar vacío.",
    "Not a valid string.": "Debe ser un texto.",
    "Not a valid integer.": "Debe ser un número entero.",
    "Not a valid number.": "Debe ser un número.",
    "Not a valid boolean.": "Debe ser verdadero o falso.",
    "Not a valid email address.": "El correo electrónico no es válido.",
    "Not a valid datetime.": "Debe ser una fecha y hora ISO 8601.",
    "Unknown field.": "Campo desconocido.",
    "Invalid input type.": "Tipo de dato no válido.",
}
PATTERNS = [
    (re.compile(r"Must be one of: (.*)\.$"), "Debe ser uno de: %(a)s."),
    (
        re.compile(r"Length must be between (\d+) and (\d+)\.$"),
        "Debe tener entre %(a)s y %(b)s caracteres.",
    ),
    (
        re.compile(r"Longer than maximum length (\d+)\.$"),
        "Debe tener como máximo %(a)s caracteres.",
    ),
    (re.compile(r"Shorter than minimum length (\d+)\.$"), "Debe tener al menos %(a)s caracteres."),
    (
        re.compile(r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
        "Debe estar entre %(a)s y %(b)s.",
    ),
    (re.compile(r"Must be greater than or equal to (\S+)\.$"), "Debe ser mayor o igual a %(a)s."),
    (re.compile(r"Must be less than or equal to (\S+)\.$"), "Debe ser menor o igual a %(a)s."),
]


def translate_message(message: str) -> str:
    if message in MESSAGES:
        return _(MESSAGES[message])
    for pattern, spanish in PATTERNS:
        match = pattern.match(message)
        if match:
            groups = dict(zip("ab", match.groups(), strict=False))
            return _(spanish, **groups)
    return message


def translate_errors(errors):
    if isinstance(errors, dict):
        return {key: translate_errors(value) for key, value in errors.items()}
    if isinstance(errors, list):
        return [translate_errors(value) for value in errors]
    if isinstance(errors, str):
        return translate_message(errors)
    return errors


def _open311_default(error) -> str:
    """Spanish text for the errors Flask raises itself (no route, wrong method, too large)."""
    defaults = {
        404: _("No existe ese recurso en la API Open311 (revise la ruta y el formato)."),
        405: _("Este recurso no admite ese método HTTP."),
        413: _("La solicitud es demasiado grande."),
    }
    return defaults.get(error.code, error.name)


class ConectadosApi(Api):
    """One HTTP error handler for the whole app: JSON under /api/, Open311 errors under
    /open311/, HTML pages elsewhere."""

    def handle_http_exception(self, error):
        if request.path.startswith("/api/"):
            data = getattr(error, "data", None)
            if data and "messages" in data:
                data["messages"] = translate_errors(data["messages"])
            return super().handle_http_exception(error)
        if request.path.startswith("/open311/"):
            fmt = "xml" if request.path.endswith(".xml") else "json"
            message = (getattr(error, "data", None) or {}).get("message")
            return render_errors(fmt, error.code or 500, [message or _open311_default(error)])
        return render_error_page(error)


api = ConectadosApi()


def render_conflict(error):
    """A write that lost a race with another person's change and that no form answered itself
    (staff forms re-render with what was typed): 409, in the door's own error shape."""
    conflict = Conflict(_(error.message))
    conflict.data = {"message": conflict.description}
    return api.handle_http_exception(conflict)


class BoundaryParser(FlaskParser):
    """webargs reads JSON through ``request.get_json()``: depth-bounded and cleaned by the
    input boundary (app/inputs.py), a Spanish 400 when it is not JSON."""

    def _raw_load_json(self, req):
        if not is_json_request(req) or not req.get_data(cache=True).strip():
            return missing
        return req.get_json()


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = BoundaryParser()
