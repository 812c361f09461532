"""Residents' contact data is normalised; each ticket keeps the details given with it."""

import pytest

from app.tickets import ValidationFailed
from app.tickets.contacts import format_rut, normalize_mobile, normalize_rut


def test_rut_is_validated_and_stored_compact():
    assert normalize_rut("12.345.678-5") == "123456785"
    assert format_rut(normalize_rut("123456785")) == "12.345.678-5"
    with pytest.raises(ValidationFailed, match="RUT no es válido"):
        normalize_rut("12.345.678-9")


@pytest.mark.parametrize("written", ["+56 9 8765 4321", "9 8765 4321", "987654321", "+56987654321"])
def test_mobile_numbers_become_e164(written):
    assert normalize_mobile(written) == "+56987654321"


def test_an_invalid_mobile_is_refused():
    with pytest.raises(ValidationFailed, match="teléfono"):
        normalize_mobile("12345")


def test_each_ticket_keeps_its_own_details_and_typed_ones_join_nobody(session, make_ticket):
    first = make_ticket(name="María", email="Maria@Example.CL", consent_notify=True)
    second = make_ticket(name="Otra", email="maria@example.cl", mobile="9 8765 4321")
    assert (first.contact.name, first.contact.email) == ("María", "maria@example.cl")
    assert first.contact.consent_notify and first.contact.mobile is None
    assert (second.contact.name, second.contact.mobile) == ("Otra", "+56987654321")
    assert not second.contact.consent_notify  # consent is per ticket, as given
    assert first.person is None and second.person is None  # a typed email proves nothing
    assert first.contact.channel == "web" and not first.contact.mobile_verified


def test_an_anonymous_ticket_has_no_contact(make_ticket):
    assert make_ticket().contact is None


def test_a_bad_contact_leaves_no_ticket(session, make_ticket):
    from sqlalchemy import func, select

    from app.models import Ticket

    with pytest.raises(ValidationFailed):
        make_ticket(mobile="123")
    assert session.scalar(select(func.count(Ticket.id))) == 0


def test_a_channel_that_does_not_ask_for_consent_gives_none(make_ticket):
    assert not make_ticket(channel="open311", email="ana@example.cl").contact.consent_notify
