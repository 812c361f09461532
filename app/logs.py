"""Logs: one line per event, JSON in production (``LOG_FORMAT=json``) or plain text for a
person at a terminal (``LOG_FORMAT=text``, the development default), with the request id or the
job id on every line and residents' identifiers masked.

- ``request_id``: the caller's ``X-Request-ID`` when it looks like one (a proxy's), otherwise a
  new one; echoed in the answer's ``X-Request-ID`` header.
- ``job_id``: the RQ job's id while a worker runs it (``job_context``), also for the jobs the
  embedded mode runs in process.
- ``MaskPersonalData``: RUTs, Chilean phone numbers and emails in every message and its
  arguments (and in tracebacks) become ``[rut]``, ``[phone]``, ``[email]``. Log ids and
  statuses, never what a resident wrote.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app.tickets.events import event_recorded

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy's request id looks like; anything else is replaced by our own.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

_job_id: ContextVar[str | None] = ContextVar("conectados_job_id", default=None)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# +56 then 8 or 9 digits (mobile or landline), or a bare mobile: 9 XXXX XXXX, 569XXXXXXXX.
_PHONE = re.compile(
    r"\+56[\s-]?\d(?:[\s-]?\d){7,8}(?!\d)|(?<![\w+.])(?:56)?9[\s-]?\d{4}[\s-]?\d{4}(?![\w.])"
)
# 12.345.678-5, 12345678-5, 123456785, 7.654.321-K: any standalone 8 or 9 digit number too
# (ids in these logs are far smaller; a RUT written without separators looks like this).
_RUT = re.compile(r"(?<![\w.-])(?:\d{1,2}\.\d{3}\.\d{3}|\d{7,8})-?[\dkK](?![\w.-])")


def mask(text: str) -> str:
    """``text`` with emails, phone numbers and RUTs replaced by placeholders."""
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub("[phone]", text)
    return _RUT.sub("[rut]", text)


class MaskPersonalData(logging.Filter):
    """Masks the message with its arguments merged in (a handler filter: it sees every record
    the handler writes, whichever logger made it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the format: keep both
            message = f"{record.msg} {record.args}"
        record.msg = mask(message)
        record.args = None
        return True


class RequestAndJob(logging.Filter):
    """Adds ``request_id`` and ``job_id`` (None outside a request or a job) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        record.job_id = _job_id.get()
        return True


class _MaskedTracebacks:
    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return mask(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 - logging's name
        return mask(super().formatStack(stack_info))


class TextFormatter(_MaskedTracebacks, logging.Formatter):
    """``time LEVEL logger [req=… job=…] message``."""

    def format(self, record: logging.LogRecord) -> str:
        request_id, job_id = getattr(record, "request_id", None), getattr(record, "job_id", None)
        where = ([f"req={request_id}"] if request_id else []) + (
            [f"job={job_id}"] if job_id else []
        )
        record.context = f"[{' '.join(where)}] " if where else ""
        return super().format(record)


class JsonLineFormatter(_MaskedTracebacks, JsonFormatter):
    pass


def formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        return JsonLineFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(job_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    return TextFormatter("%(asctime)s %(levelname)s %(name)s %(context)s%(message)s")


def current_request_id() -> str | None:
    if not has_request_context():
        return None
    return g.get("request_id")


@contextmanager
def job_context(job_id: str | None) -> Iterator[None]:
    """Log lines written inside carry this job id."""
    token = _job_id.set(job_id)
    try:
        yield
    finally:
        _job_id.reset(token)


class StderrHandler(logging.StreamHandler):
    """Writes to ``stream`` if given, else to whatever ``sys.stderr`` is when a line is written
    (test runners and CLI runners swap it; a stream bound at start may be closed by then)."""

    def __init__(self, stream=None) -> None:
        logging.Handler.__init__(self)
        self._stream = stream

    @property
    def stream(self):
        return self._stream if self._stream is not None else sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        self._stream = value


def handler_for(kind: str, stream=None) -> logging.Handler:
    handler = StderrHandler(stream)
    handler.addFilter(MaskPersonalData())
    handler.addFilter(RequestAndJob())
    handler.setFormatter(formatter(kind))
    handler.conectados = True  # ours: replaced, not added again, by the next app built
    return handler


def configure(app: Flask) -> None:
    """The root logger writes through one handler of ours (JSON or text) at ``LOG_LEVEL``;
    every request gets an id."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "conectados", False)]:
        root.removeHandler(old)
    root.addHandler(handler_for(app.config["LOG_FORMAT"]))
    root.setLevel(app.config["LOG_LEVEL"])
    # The twilio client logs every request it sends at INFO (the number and the text of each
    # SMS): personal data the mask may miss, and a fifth of a delivery worker's time.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    app.before_request(_assign_request_id)
    app.after_request(_echo_request_id)
    event_recorded.connect(_note_ticket_event, weak=False)  # process-wide; twice is a no-op


# --- one INFO line per ticket change, once it is committed ------------------------------------

ticket_log = logging.getLogger("app.tickets.changes")
_PENDING = "conectados.ticket_log_lines"


def _note_ticket_event(session: Session, *, ticket, event, **_: object) -> None:
    """Ids, kind and statuses, never what anyone wrote; kept until the commit (a rolled-back
    change leaves no line)."""
    extra = {"ticket_id": ticket.id, "event": event.kind, "status": ticket.status}
    if event.kind == "created":
        line = ("ticket %s opened: status %s, category %s, channel %s", ticket.id, ticket.status)
        line += (ticket.category_id, ticket.channel)
    elif event.from_status or event.to_status:
        line = ("ticket %s %s: %s -> %s", ticket.id, event.kind)
        line += (event.from_status, event.to_status)
    else:
        line = ("ticket %s %s (status %s)", ticket.id, event.kind, ticket.status)
    session.info.setdefault(_PENDING, []).append((line, extra))


@sa_event.listens_for(Session, "after_commit")
def _write_ticket_lines(session: Session) -> None:
    for (message, *args), extra in session.info.pop(_PENDING, []):
        ticket_log.info(message, *args, extra=extra)


@sa_event.listens_for(Session, "after_rollback")
def _forget_ticket_lines(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _assign_request_id() -> None:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _echo_request_id(response):
    request_id = g.get("request_id")
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    return response
