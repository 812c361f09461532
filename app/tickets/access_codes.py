"""One-time codes: the visitor of a tracking page asks for a code, it goes to the ticket's own
contact (SMS or email, through the outbox), and entering it proves the resident's channel.

Six digits, valid ``ACCESS_CODE_TTL_MINUTES`` (10), ``ACCESS_CODE_MAX_ATTEMPTS`` (5) tries, used
once; only an HMAC of it (keyed with SECRET_KEY) is stored, and housekeeping blanks the digits in
the outbox's copy once it expired. A new code replaces the previous one. A ticket gets at most
one code a minute and ``ACCESS_CODES_PER_DAY`` (5) a day, so neither a guesser nor someone
pressing "send" can wear the resident down.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models import Notification, ResidentAccessCode, Ticket, utcnow
from app.tickets.contacts import is_suppressed
from app.tickets.errors import N_, DomainError, ValidationFailed
from app.tickets.events import access_code_issued
from app.tickets.permissions import is_blocked
from app.tickets.proof import VIA_ACCESS_CODE, ResidentProof, contact_points
from config.settings import settings

DIGITS = 6


def setting(name: str) -> int:
    """One of the codes' settings (``ACCESS_CODE_TTL_MINUTES``…), typed (config/settings.py)."""
    return getattr(settings(), name.lower())


class NoChannelToProve(DomainError):
    message = N_(
        "Esta solicitud no tiene un celular ni un correo al que podamos enviar un código. "
        "Si usted la ingresó, responda por SMS desde su celular o acérquese a la OIRS."
    )


class CodeRequestTooSoon(DomainError):
    message = N_("Acabamos de enviarle un código. Espere un minuto antes de pedir otro.")


class TooManyCodes(DomainError):
    message = N_(
        "Ya enviamos varios códigos para esta solicitud hoy. Use el último que recibió, "
        "inténtelo mañana o acérquese a la OIRS."
    )


class WrongAccessCode(ValidationFailed):
    message = N_("El código no es correcto. Revise el último mensaje que le enviamos.")


class NoValidAccessCode(ValidationFailed):
    message = N_("El código venció o ya fue usado. Pida uno nuevo.")


class TooManyAttempts(DomainError):
    message = N_("Hubo demasiados intentos con este código. Pida uno nuevo.")


@dataclass(frozen=True)
class Destination:
    channel: str  # sms, email
    recipient: str
    masked: str  # what the page may show: "+56 9 •••• ••21", "ma•••@e•••.cl"


def mask(channel: str, recipient: str) -> str:
    if channel == "sms":
        return f"{recipient[:3]} {recipient[3:4]} •••• ••{recipient[-2:]}"
    local, _, domain = recipient.partition("@")
    host, dot, tld = domain.rpartition(".")
    return f"{local[:2]}•••@{host[:1]}•••{dot}{tld}"


def destination(session: Session, ticket: Ticket) -> Destination | None:
    """Where a code for this ticket goes: its mobile unless it opted out of SMS, else its
    email. The resident asked for the code, so notification consent is not required; a
    person whose data is blocked gets nothing (see app/privacy/blocking.py)."""
    if is_blocked(ticket):
        return None
    mobile, email = contact_points(ticket)
    if mobile and not is_suppressed(session, mobile):
        return Destination("sms", mobile, mask("sms", mobile))
    if email:
        return Destination("email", email, mask("email", email))
    return None


def _digest(ticket: Ticket, digits: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{ticket.code}:{digits}".encode(), hashlib.sha256).hexdigest()


def issue(session: Session, ticket: Ticket, now: datetime | None = None) -> Destination:
    """Draw a code, store its hash and write the message to the outbox (the caller commits)."""
    now = now or utcnow()
    target = destination(session, ticket)
    if target is None:
        raise NoChannelToProve()
    sent_today = session.scalars(
        select(ResidentAccessCode.created_at).where(
            ResidentAccessCode.ticket_id == ticket.id,
            ResidentAccessCode.created_at > now - timedelta(days=1),
        )
    ).all()
    if len(sent_today) >= setting("ACCESS_CODES_PER_DAY"):
        raise TooManyCodes()
    interval = timedelta(seconds=setting("ACCESS_CODE_INTERVAL_SECONDS"))
    if sent_today and max(sent_today) > now - interval:
        raise CodeRequestTooSoon()
    digits = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
    minutes = setting("ACCESS_CODE_TTL_MINUTES")
    session.add(
        ResidentAccessCode(
            ticket_id=ticket.id,
            code_hash=_digest(ticket, digits),
            channel=target.channel,
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    access_code_issued.send(
        session,
        ticket=ticket,
        channel=target.channel,
        recipient=target.recipient,
        digits=digits,
        minutes=minutes,
        now=now,
    )  # the notices write its message to the outbox, in this transaction
    session.flush()
    return target


def check(
    session: Session, ticket: Ticket, typed: str, now: datetime | None = None
) -> ResidentProof:
    """The proof a correct code gives (all resident actions on this ticket).

    Every try counts, atomically, before the comparison: a wrong code raises WrongAccessCode
    with the try already flushed, and the caller commits that count even though it refuses.
    """
    digits = re.sub(r"[\s-]", "", typed or "")
    if not re.fullmatch(rf"\d{{{DIGITS}}}", digits):
        raise ValidationFailed("Escriba los 6 números del código.", field="code")
    now = now or utcnow()
    latest = session.scalar(
        select(ResidentAccessCode)
        .where(ResidentAccessCode.ticket_id == ticket.id)
        .order_by(ResidentAccessCode.id.desc())
        .limit(1)
    )
    if latest is None or latest.used_at is not None or latest.expires_at <= now:
        raise NoValidAccessCode(field="code")
    counted = session.execute(
        update(ResidentAccessCode)
        .where(
            ResidentAccessCode.id == latest.id,
            ResidentAccessCode.used_at.is_(None),
            ResidentAccessCode.attempts < setting("ACCESS_CODE_MAX_ATTEMPTS"),
        )
        .values(attempts=ResidentAccessCode.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if counted.rowcount != 1:
        raise TooManyAttempts()
    if not hmac.compare_digest(latest.code_hash, _digest(ticket, digits)):
        raise WrongAccessCode(field="code")
    used = session.execute(
        update(ResidentAccessCode)
        .where(ResidentAccessCode.id == latest.id, ResidentAccessCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        raise NoValidAccessCode(field="code")  # a concurrent request used it first
    return ResidentProof(ticket.code, VIA_ACCESS_CODE)


FORGOTTEN = "(código vencido: borrado)"


def forget_expired(session: Session, now: datetime | None = None) -> int:
    """Blank the digits in the outbox copies of codes that expired, once delivery is over
    (sent, delivered, failed...): the message was the only other place they were kept."""
    now = now or utcnow()
    cutoff = now - timedelta(minutes=setting("ACCESS_CODE_TTL_MINUTES"))
    result = session.execute(
        update(Notification)
        .where(
            Notification.template == "access_code",
            Notification.created_at < cutoff,
            Notification.status.not_in(("pending", "sending")),
            Notification.body != FORGOTTEN,
        )
        .values(body=FORGOTTEN, body_html=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
