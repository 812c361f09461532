"""The access trail (issue 15, item 2): one append-only row per view, search, change or export
of a person's data and per administrative change; one person's own trail."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import AccessLogEntry, AppendOnlyError, Contact, utcnow
from app.tickets import Actor
from app.tickets.access_log import identifier_digest, person_trail, record_access


@pytest.fixture
def people(session, make_user, make_ticket):
    ana = Contact(name="Ana Torres", rut="123456785", mobile="+56961234567", email="ana@x.cl")
    bruno = Contact(name="Bruno Díaz", rut="111111111", mobile="+56971111111")
    session.add_all([ana, bruno])
    session.flush()
    ana_ticket = make_ticket(name="Ana Torres", email="ana.vieja@x.cl")
    ana_ticket.person = ana
    bruno_ticket = make_ticket(name="Bruno Díaz")
    bruno_ticket.person = bruno
    session.flush()
    return {
        "ana": ana,
        "bruno": bruno,
        "ana_ticket": ana_ticket,
        "bruno_ticket": bruno_ticket,
        "clerk": Actor.staff(make_user("counter")),
    }


def test_a_row_records_who_when_which_person_which_ticket_where_and_why(session, people):
    now = utcnow()
    entry = record_access(
        session,
        people["clerk"],
        "person_exported",
        person=people["ana"],
        ticket=people["ana_ticket"],
        reason="Solicitud de acceso N° 12",
        page="privacy.export",
        now=now,
    )
    session.commit()
    stored = session.get(AccessLogEntry, entry.id)
    assert (stored.actor_kind, stored.actor_id) == ("staff", people["clerk"].user_id)
    assert stored.created_at == now
    assert (stored.person_id, stored.ticket_id) == (people["ana"].id, people["ana_ticket"].id)
    assert (stored.page, stored.reason) == ("privacy.export", "Solicitud de acceso N° 12")


def test_rows_are_append_only(session, people):
    entry = record_access(session, people["clerk"], "person_viewed", person=people["ana"])
    session.commit()
    entry.reason = "borrar el rastro"
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()
    session.delete(session.get(AccessLogEntry, entry.id))
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(AccessLogEntry)) == 1


def test_an_unknown_kind_is_refused(session, people):
    with pytest.raises(ValueError, match="unknown access-log kind"):
        record_access(session, people["clerk"], "peeked")


def test_a_searched_identifier_is_kept_as_a_keyed_hash_whatever_its_spelling(session, people):
    entry = record_access(
        session, people["clerk"], "person_searched", query=("rut", "12.345.678-5")
    )
    session.commit()
    assert entry.query_kind == "rut"
    assert entry.query_digest == identifier_digest("rut", "123456785")
    assert entry.query_digest != identifier_digest("rut", "111111111")
    assert "123456785" not in entry.query_digest
    assert identifier_digest("mobile", "9 6123 4567") == identifier_digest("mobile", "+56961234567")
    assert identifier_digest("email", "ANA@x.cl ") == identifier_digest("email", "ana@x.cl")
    assert identifier_digest("rut", "12.345.678-0") is None  # not a RUT: nothing to match


def test_a_persons_trail_has_what_concerns_them_and_nothing_of_another(session, people):
    clerk, ana, bruno = people["clerk"], people["ana"], people["bruno"]
    mine = [
        record_access(session, clerk, "person_viewed", person=ana),
        record_access(session, clerk, "contact_viewed", ticket=people["ana_ticket"]),
        record_access(session, clerk, "person_searched", query=("rut", "12345678-5")),
        # an email she gave with a ticket, before her record had one
        record_access(session, clerk, "person_searched", query=("email", "ana.vieja@x.cl")),
    ]
    record_access(session, clerk, "person_viewed", person=bruno)
    record_access(session, clerk, "contact_viewed", ticket=people["bruno_ticket"])
    record_access(session, clerk, "person_searched", query=("mobile", "+56971111111"))
    record_access(session, clerk, "category_changed", target="Luminaria")
    session.commit()
    assert [e.id for e in person_trail(session, ana)] == [e.id for e in mine]
    assert len(person_trail(session, bruno)) == 3
