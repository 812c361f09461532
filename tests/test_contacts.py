"""Residents' contact data is normalised and the same person is found again."""

import pytest

from app.tickets import ValidationFailed
from app.tickets.contacts import format_rut, normalize_mobile, normalize_rut, upsert_contact


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


def test_the_same_person_is_found_by_rut_mobile_or_email(session):
    first = upsert_contact(session, name="María", rut="12.345.678-5", consent_notify=True)
    by_rut = upsert_contact(session, rut="123456785", mobile="987654321", consent_notify=True)
    assert by_rut.id == first.id and by_rut.mobile == "+56987654321"
    by_mobile = upsert_contact(session, mobile="+56 9 8765 4321", email="Maria@Example.CL")
    assert by_mobile.id == first.id and by_mobile.email == "maria@example.cl"
    assert by_mobile.name == "María"
    assert upsert_contact(session, name="Sin datos") is None


def test_an_anonymous_ticket_has_no_contact(make_ticket):
    assert make_ticket().contact is None


def test_a_bad_contact_leaves_no_ticket(session, make_ticket):
    from sqlalchemy import func, select

    from app.models import Ticket

    with pytest.raises(ValidationFailed):
        make_ticket(mobile="123")
    assert session.scalar(select(func.count(Ticket.id))) == 0


def test_a_channel_that_does_not_ask_keeps_the_consent_given_elsewhere(session):
    given = upsert_contact(session, email="ana@example.cl", consent_notify=True)
    again = upsert_contact(session, email="ana@example.cl")  # Open311, API without the field
    assert again.id == given.id and again.consent_notify is True
    withdrawn = upsert_contact(session, email="ana@example.cl", consent_notify=False)
    assert withdrawn.consent_notify is False
    assert upsert_contact(session, email="nuevo@example.cl").consent_notify is False
