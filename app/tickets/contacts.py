"""Residents' contact data: normalise RUT, mobile and email; the details given with a ticket."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.cl import rut as stdnum_rut
from stdnum.exceptions import ValidationError as StdnumError

from app.models import SmsSuppression, TicketContact
from app.tickets.errors import ValidationFailed
from app.tickets.text import sanitize


def is_suppressed(session: Session, mobile: str) -> bool:
    """The number opted out of SMS (STOP/BAJA, Twilio's opt-out, error 21610): no text goes to
    it until the resident sends START/ALTA."""
    return session.get(SmsSuppression, mobile) is not None


def suppressed_numbers(session: Session, mobiles: Collection[str]) -> set[str]:
    """``is_suppressed`` for many numbers at once (a delivery batch): those that opted out."""
    if not mobiles:
        return set()
    return set(
        session.scalars(select(SmsSuppression.mobile).where(SmsSuppression.mobile.in_(mobiles)))
    )


def normalize_rut(value: str | None) -> str | None:
    """``12.345.678-5`` or ``123456785`` -> compact ``123456785``; invalid -> ValidationFailed."""
    if not value or not value.strip():
        return None
    try:
        return stdnum_rut.validate(value)
    except StdnumError as exc:
        raise ValidationFailed(
            "El RUT no es válido. Revise el dígito verificador.", field="rut"
        ) from exc


def format_rut(compact: str) -> str:
    return stdnum_rut.format(compact)


def normalize_mobile(value: str | None, region: str = "CL") -> str | None:
    """Any way a Chilean writes a phone number -> E.164 (``+56912345678``)."""
    if not value or not value.strip():
        return None
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationFailed("El número de teléfono no es válido.", field="mobile") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed("El número de teléfono no es válido.", field="mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed("El correo electrónico no es válido.", field="email") from exc


def clean_name(value: str | None) -> str | None:
    return sanitize(value)[:200] or None


def given_contact(
    channel: str,
    now: datetime,
    *,
    name: str | None = None,
    rut: str | None = None,
    mobile: str | None = None,
    email: str | None = None,
    consent_notify: bool | None = None,
    consent_wording: str | None = None,
) -> TicketContact | None:
    """The details given with one ticket, normalised, as given; None when nothing was given.

    A channel that did not ask for consent (Open311, an API call without the field) gives
    none: the ticket is not notified. An SMS's mobile is its sender, proved by Twilio.
    Consent is kept with its instant and the version of the wording the person was shown.
    """
    name = clean_name(name)
    rut, mobile, email = normalize_rut(rut), normalize_mobile(mobile), normalize_email(email)
    if not (name or rut or mobile or email):
        return None
    return TicketContact(
        name=name,
        rut=rut,
        mobile=mobile,
        email=email,
        consent_notify=bool(consent_notify),
        consent_at=now if consent_notify else None,
        consent_wording=consent_wording if consent_notify else None,
        channel=channel,
        given_at=now,
        mobile_verified=channel == "sms" and mobile is not None,
    )
