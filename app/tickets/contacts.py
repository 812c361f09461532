"""Residents' contact data: normalise RUT, mobile and email; find the same person again."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from stdnum.cl import rut as stdnum_rut
from stdnum.exceptions import ValidationError as StdnumError

from app.models import Contact
from app.tickets.errors import ValidationFailed
from app.tickets.text import sanitize


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


def find_contact(
    session: Session, *, rut: str | None = None, mobile: str | None = None, email: str | None = None
) -> Contact | None:
    """The contact that matches, preferring RUT, then mobile, then email (values normalised)."""
    clauses = []
    if rut:
        clauses.append(Contact.rut == rut)
    if mobile:
        clauses.append(Contact.mobile == mobile)
    if email:
        clauses.append(Contact.email == email)
    if not clauses:
        return None
    found = session.scalars(select(Contact).where(or_(*clauses))).all()
    for attribute, value in (("rut", rut), ("mobile", mobile), ("email", email)):
        for contact in found:
            if value and getattr(contact, attribute) == value:
                return contact
    return None


def upsert_contact(
    session: Session,
    *,
    name: str | None = None,
    rut: str | None = None,
    mobile: str | None = None,
    email: str | None = None,
    consent_notify: bool | None = None,
) -> Contact | None:
    """Find the person (by RUT, mobile or email) or create them; fill in what was missing.

    Returns None when nothing identifies a person (an anonymous request). A value that already
    belongs to another contact is not moved: one contact per person, never two people merged.
    """
    rut, mobile, email = normalize_rut(rut), normalize_mobile(mobile), normalize_email(email)
    name = sanitize(name)[:200] or None
    if not (rut or mobile or email):
        return None
    contact = find_contact(session, rut=rut, mobile=mobile, email=email)
    if contact is None:
        contact = Contact(name=name, rut=rut, mobile=mobile, email=email)
        session.add(contact)
    else:
        for attribute, value in (("rut", rut), ("mobile", mobile), ("email", email)):
            if value and getattr(contact, attribute) != value:
                taken = session.scalar(
                    select(Contact.id).where(getattr(Contact, attribute) == value)
                )
                if taken is None:
                    setattr(contact, attribute, value)
        if name:
            contact.name = name
    # Consent is what the person said this time (they may withdraw it at the counter); a
    # channel that cannot ask (Open311, an API call without the field) leaves it as it was.
    if consent_notify is not None:
        contact.consent_notify = consent_notify
    elif contact.consent_notify is None:
        contact.consent_notify = False
    session.flush()
    return contact
