"""Notices: who is told what. The rules that turn a ticket event into outbox rows
(``outbox``), their Spanish texts (``templates``, ``sms_text``), and how staff read them
(``labels``, ``attention``). What happens to a row afterwards is app/delivery's."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from sqlalchemy.orm import Session

from app.models import Ticket
from app.notices import outbox, templates
from app.tickets.events import access_code_issued, event_recorded


def send_access_code(
    session: Session,
    *,
    ticket: Ticket,
    channel: str,
    recipient: str,
    digits: str,
    minutes: int,
    now: datetime,
) -> None:
    """The message carrying a one-time code the resident asked for (app/tickets/access_codes)."""
    rendered = templates.render("access_code", ticket, channel, digits, minutes)
    outbox.add(session, ticket, "access_code", channel, recipient, rendered, now)


def init_app(app: Flask) -> None:  # noqa: ARG001 - the signals are process-wide
    """Listen to the tickets domain: its receivers run inside the domain's flush, so the outbox
    rows commit with the change. Connecting twice (several apps in one process) is a no-op."""
    event_recorded.connect(outbox.after_event, weak=False)
    access_code_issued.connect(send_access_code, weak=False)
