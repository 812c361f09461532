"""The input boundary: what every door (web and counter forms, the JSON API, Open311, the
Twilio webhooks) receives passes here before a view, a parser or SQL sees it.

- Paths and query strings carry identifiers, codes and filters: one with a control character,
  a line break or a lone surrogate is refused with 400 (in the door's own error shape).
- Form fields and JSON strings carry people's text: the characters no database or XML document
  can hold (``app.tickets.text.strip_unprintable``) are removed; tabs and line breaks stay.
  ``request.raw_form`` keeps the form as sent, for webhook signatures.
- JSON is parsed at most ``MAX_JSON_DEPTH`` levels deep; deeper or invalid JSON is a 400.
- Integers and dates that reach SQL are bounded: ``<int:...>`` path parts fit a 32-bit
  column (larger ones are 404), and ``bounded_int`` / ``bounded_date`` / ``in_date_range``
  serve the parsers of filters and schemas.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any, NoReturn

from flask import Flask, request
from flask import Request as FlaskRequest
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from app.photos.uploads import UPLOAD_ENDPOINTS, upload_request_limit
from app.tickets.text import is_one_line, strip_unprintable

MAX_ID = 2**31 - 1  # the largest value of an INTEGER column
MAX_JSON_DEPTH = 20
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
_DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII only: str.isdigit() also accepts "²"


def refuse(message: str) -> NoReturn:
    """A 400 whose message each door shows in its own shape (HTML page, API JSON, Open311)."""
    error = BadRequest(description=message)
    error.data = {"message": message}  # flask-smorest's JSON errors read it here
    raise error


def bounded_int(text: Any, low: int = 0, high: int = MAX_ID) -> int | None:
    """``text`` as an int within [low, high], or None (not a number, or out of range)."""
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    elif isinstance(text, str) and _DIGITS.fullmatch(text.strip()):
        value = int(text.strip())
    else:
        return None
    return value if low <= value <= high else None


def in_date_range(instant: datetime) -> bool:
    """Whether a datetime lies where date arithmetic and every database can follow it."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return EARLIEST <= instant < LATEST


def bounded_date(text: str | None) -> date | None:
    """An ISO date (``AAAA-MM-DD``) between 1900 and 2999, or None."""
    try:
        day = date.fromisoformat(text.strip()) if text else None
    except ValueError:
        return None
    if day is None or not EARLIEST.date() <= day < LATEST.date():
        return None
    return day


def clean_json(value: Any, depth: int = 0) -> Any:
    """A parsed JSON document with its strings (keys too) cleaned; too deep is a ValueError."""
    if depth > MAX_JSON_DEPTH:
        raise ValueError("JSON nested too deep")
    if isinstance(value, str):
        return strip_unprintable(value)
    if isinstance(value, list):
        return [clean_json(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {strip_unprintable(k): clean_json(v, depth + 1) for k, v in value.items()}
    return value


class BoundedJson:
    """JSON for request bodies: at most ``MAX_JSON_DEPTH`` levels, strings cleaned."""

    @staticmethod
    def loads(data: bytes | str) -> Any:
        try:
            return clean_json(json.loads(data))
        except RecursionError:  # the C parser's own limit, far beyond ours
            raise ValueError("JSON nested too deep") from None

    dumps = staticmethod(json.dumps)


def _cleaned(form: MultiDict) -> ImmutableMultiDict:
    return ImmutableMultiDict(
        [(strip_unprintable(k), strip_unprintable(v)) for k, v in form.items(multi=True)]
    )


class Request(FlaskRequest):
    @property
    def json_module(self):
        """What ``get_json()`` parses with (werkzeug calls ``json_module.loads``)."""
        return BoundedJson

    @json_module.setter
    def json_module(self, _provider) -> None:
        pass  # Flask points it at app.json on every request; request bodies keep ours

    @property
    def max_content_length(self) -> int | None:
        """2 MB (``MAX_CONTENT_LENGTH``) for every door but the forms that take photos, and for
        those too unless the body is multipart (text fields stay bounded by
        ``MAX_FORM_MEMORY_SIZE`` inside it)."""
        rule = self.url_rule
        if (
            self._max_content_length is None
            and rule is not None
            and rule.endpoint in UPLOAD_ENDPOINTS
            and self.mimetype == "multipart/form-data"
        ):
            return upload_request_limit()
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def _load_form_data(self) -> None:
        super()._load_form_data()
        if "_raw_form" not in self.__dict__:
            self.__dict__["_raw_form"] = self.__dict__["form"]
            self.__dict__["form"] = _cleaned(self.__dict__["form"])

    @property
    def raw_form(self) -> MultiDict:
        """The form exactly as the client sent it (Twilio signs these values)."""
        self._load_form_data()
        return self.__dict__["_raw_form"]

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        refuse(
            _(
                "El cuerpo JSON no es válido: revise la sintaxis (a lo más %(n)s niveles "
                "anidados, texto en UTF-8).",
                n=MAX_JSON_DEPTH,
            )
        )


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` that only matches what an INTEGER column can hold (else 404)."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def screen_request() -> None:
    """Before every view: paths and query strings are one-line text; a JSON body parses."""
    if not is_one_line(request.path):
        refuse(_("La dirección web contiene caracteres no permitidos."))
    for name, value in request.args.items(multi=True):
        if not is_one_line(name):
            refuse(_("La dirección web contiene caracteres no permitidos."))
        if not is_one_line(value):
            refuse(_("El parámetro %(name)s contiene caracteres no permitidos.", name=name))
    if request.is_json and request.get_data(cache=True).strip():
        request.get_json()  # parsed, bounded and cleaned once; a 400 when it is not JSON


def init_app(app: Flask) -> None:
    """Call before any blueprint is registered (the int converter binds with the routes)."""
    app.request_class = Request
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(screen_request)
