"""Reading is not acting: what proves that whoever acts on a ticket is its resident.

The tracking code opens the public view only. Answering a question, rating the survey,
withdrawing the request or stopping its notices needs proof of the resident's own channel,
given as a ``ResidentProof``:

- ``link``: a signed, expiring link for one ticket and one purpose, sent in a message to the
  ticket's contact (``make_link`` / ``read_link``);
- ``access_code``: a one-time code sent to the ticket's contact (``app.tickets.access_codes``);
- ``sms``: a text message from the ticket's own mobile, or from the proved mobile of the person
  the ticket is joined to (Twilio signs the webhook, so the sender number is proven).

A ticket filed with no mobile and no email has nothing else to prove: its code suffices there.
The rule is checked by ``app.tickets.permissions.may`` for every resident action.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from app.models import Ticket
from app.tickets.errors import N_, NotFound
from config.settings import settings

REPLY = "reply"
SURVEY = "survey"
WITHDRAW = "withdraw"
NOTICES = "notices"  # stop the notices of this ticket (withdraw consent: app.tickets.consent)
PURPOSES = frozenset({REPLY, SURVEY, WITHDRAW, NOTICES})

# How each kind of proof is named in the ticket's history (staff read it).
VIA_LINK, VIA_ACCESS_CODE, VIA_SMS, VIA_CODE_ONLY = "link", "access_code", "sms", "code_only"

LINK_SALT = "conectados.resident-link"


@dataclass(frozen=True)
class ResidentProof:
    """What a channel established about who is acting, for one ticket."""

    ticket_code: str
    via: str
    purposes: frozenset[str] = PURPOSES
    sender: str | None = None  # SMS: the number the message came from (E.164)

    @classmethod
    def sms(cls, ticket: Ticket, sender: str) -> ResidentProof:
        return cls(ticket.code, VIA_SMS, PURPOSES, sender)


def trace(proof: ResidentProof | None) -> dict[str, str]:
    """How the resident was recognised, kept in the event's data for staff (never public)."""
    return {"proof": proof.via if proof else VIA_CODE_ONLY}


def contact_points(ticket: Ticket) -> tuple[str | None, str | None]:
    """``(mobile, email)`` given with this ticket: where its resident can be reached."""
    contact = ticket.contact
    if contact is None:
        return None, None
    return contact.mobile, contact.email


def needs_proof(ticket: Ticket) -> bool:
    """A ticket filed with a mobile or an email needs proof of that channel to be acted on."""
    mobile, email = contact_points(ticket)
    return bool(mobile or email)


def proves(proof: ResidentProof | None, ticket: Ticket | None, purpose: str) -> bool:
    if ticket is None or purpose not in PURPOSES:
        return False
    if not needs_proof(ticket):
        return True
    if proof is None or proof.ticket_code != ticket.code or purpose not in proof.purposes:
        return False
    if proof.via == VIA_SMS:
        return proof.sender is not None and _number_is_theirs(ticket, proof.sender)
    return proof.via in (VIA_LINK, VIA_ACCESS_CODE)


def _number_is_theirs(ticket: Ticket, sender: str) -> bool:
    """The number given with the ticket, or the proved mobile of the person it is joined to."""
    mobile, _email = contact_points(ticket)
    if sender == mobile:
        return True
    person = ticket.person
    return person is not None and person.mobile == sender and person.mobile_verified_at is not None


# --- signed links -----------------------------------------------------------------------------


class AccessLinkInvalid(NotFound):
    message = N_("El enlace no es válido. Use el enlace completo del mensaje que le enviamos.")


class AccessLinkExpired(NotFound):
    message = N_(
        "El enlace venció. Puede pedir un código nuevo en la página de seguimiento de su solicitud."
    )


# Short, because SMS counts every character: "K7M4QX9PZ.r.<timestamp>.<HMAC-SHA1>".
LETTERS = {REPLY: "r", SURVEY: "e", WITHDRAW: "w", NOTICES: "n"}
PURPOSE_OF = {letter: purpose for purpose, letter in LETTERS.items()}


def _signer() -> TimestampSigner:
    return TimestampSigner(current_app.config["SECRET_KEY"], salt=LINK_SALT)


def make_link_token(ticket: Ticket, purpose: str) -> str:
    """A signed token for one ticket and one purpose (``reply``, ``survey``, ``withdraw``,
    ``notices``)."""
    return _signer().sign(f"{ticket.code}.{LETTERS[purpose]}").decode()


def read_link_token(token: str) -> tuple[str, str]:
    """``(ticket code, purpose)``. Raises AccessLinkInvalid or AccessLinkExpired."""
    days = settings().resident_link_max_age_days
    try:
        value = _signer().unsign(token, max_age=int(days) * 86400).decode()
    except SignatureExpired as exc:
        raise AccessLinkExpired() from exc
    except (BadSignature, UnicodeDecodeError) as exc:
        raise AccessLinkInvalid() from exc
    code, _, letter = value.partition(".")
    if letter not in PURPOSE_OF:
        raise AccessLinkInvalid()
    return code, PURPOSE_OF[letter]
