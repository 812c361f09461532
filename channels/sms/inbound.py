"""Twilio webhooks: inbound messages and delivery status callbacks.

Signed (``X-Twilio-Signature``) against the URL rebuilt from ``PUBLIC_BASE_URL``, never from
whatever Host (or X-Forwarded-Host, even behind trusted proxies) the request claims.
Idempotent by MessageSid. The reply is TwiML, at once: no outbound call here.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from app.delivery.state import record_provider_status, suppress_number
from app.extensions import csrf, db
from app.models import InboundSms, utcnow
from app.tickets.errors import DomainError
from app.tickets.text import is_one_line, sanitize
from app.transaction import transaction
from channels.sms.commands import parse
from channels.sms.conversation import respond

bp = Blueprint("sms", __name__, url_prefix="/channels/sms")
csrf.exempt(bp)


def signed_url() -> str:
    base = current_app.config["PUBLIC_BASE_URL"]
    query = request.query_string.decode()
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def require_twilio_signature() -> None:
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        abort(403)
    # Twilio signed the values it sent; request.form holds them cleaned (app/inputs.py).
    if not RequestValidator(token).validate(signed_url(), request.raw_form, signature):
        abort(403)


# Column sizes: a MessageSid is 34 characters, an E.164 number at most 16.
MAX_SID, MAX_NUMBER = 64, 20


def twilio_field(*names: str, limit: int) -> str:
    """The first of ``names`` Twilio sent, if it fits on one line of ``limit`` characters."""
    value = next((v for name in names if (v := request.form.get(name))), "")
    return value if len(value) <= limit and is_one_line(value) else ""


def twiml(text: str | None) -> Response:
    response = MessagingResponse()
    if text:
        response.message(text)
    return Response(str(response), mimetype="application/xml")


def is_web_link(url: str) -> bool:
    """http(s) with a host: never javascript:, data:, file: or anything a link could run."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def media_urls() -> list[str]:
    try:
        count = min(int(request.form.get("NumMedia", "0") or 0), 10)
    except ValueError:
        count = 0
    urls = (request.form.get(f"MediaUrl{i}") or "" for i in range(count))
    return [url.strip() for url in urls if is_web_link(url)]


@bp.post("/inbound")
# Idempotent by MessageSid: a dropped connection, or the same message stored at the same moment
# by another process (a uniqueness race), is run once more and finds what was stored.
@transaction(idempotent=True)
def inbound():
    require_twilio_signature()
    sid = twilio_field("MessageSid", "SmsSid", limit=MAX_SID)
    sender = twilio_field("From", limit=MAX_NUMBER)
    if not sid or not sender:
        abort(400)
    # A MessageSid is not looked up first: the inbound log's unique index refuses a repeat's
    # row, and the repeat's work is then rolled back (a Twilio retry is rare).
    body = sanitize(request.form.get("Body", ""))
    command = parse(body, request.form.get("OptOutType"))
    try:
        outcome = respond(db.session, sender, command, media_urls(), sid)
    except DomainError:
        # Refused now; if this is a retry of a message answered before, that answer stands.
        db.session.rollback()
        if (stored := _stored_reply(sid)) is not None:
            return twiml(stored)
        raise
    row = {
        "message_sid": sid,
        "sender": sender,
        "body": body,
        "intent": command.kind,
        "reply": outcome.reply,
        "ticket_id": outcome.ticket_id,
        "created_at": utcnow(),
    }
    if _log_once(row):
        return twiml(outcome.reply)
    # Twilio retried (or the same message is being stored right now by another process, which
    # this waited for): nothing of this run is kept, and the answer is the one stored.
    db.session.rollback()
    return twiml(_stored_reply(sid))


def _stored_reply(sid: str) -> str | None:
    return db.session.scalar(select(InboundSms.reply).where(InboundSms.message_sid == sid))


def _log_once(row: dict) -> bool:
    """Insert the inbound log row unless its MessageSid is already there; whether it was."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(InboundSms)
        .values(**row)
        .on_conflict_do_nothing(index_elements=[InboundSms.message_sid])
        .returning(InboundSms.id)
    )
    return db.session.execute(statement).first() is not None


# Twilio's MessageStatus values we keep (others, like "accepted" or "scheduled", move nothing).
KNOWN_STATUSES = {"queued", "sending", "sent", "delivered", "undelivered", "failed", "read"}
OPTED_OUT = "21610"


@bp.post("/status")
@transaction(idempotent=True)  # recording a status twice changes nothing
def status_callback():
    """Delivery status of a message we sent: forward only; 21610 puts the number on the list."""
    require_twilio_signature()
    sid = twilio_field("MessageSid", "SmsSid", limit=MAX_SID)
    status = (request.form.get("MessageStatus") or request.form.get("SmsStatus") or "").lower()
    error = request.form.get("ErrorCode") or None
    if not sid or status not in KNOWN_STATUSES:
        return Response(status=204)
    notification = record_provider_status(db.session, sid, status, error)
    # Only the number our own notification went to: never whatever "To" the callback names.
    if error == OPTED_OUT and notification is not None and notification.channel == "sms":
        suppress_number(db.session, notification.recipient, "21610")
    return Response(status=204)
