"""Filing a ticket costs a fixed, small number of SQL statements (issue 20, item 3), and the
per-process copies of the catalogue and the calendar never serve what an admin changed."""

from __future__ import annotations

import contextlib
import itertools
import re

from sqlalchemy import event, select, text
from twilio.request_validator import RequestValidator

from app.extensions import db
from app.models import Category, ClosedDay, Ticket
from app.tickets import TicketIntake, codes, intake_problems, reference
from tests.support import TUESDAY_10AM

sids = (f"SMstmt{n:028d}" for n in itertools.count(1))
SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
PERSON = re.compile(r"INSERT INTO contacts\b|^UPDATE contacts\b|^SELECT contacts\.")
DESCRIPTION = "La luminaria de la esquina está apagada hace una semana."


@contextlib.contextmanager
def transaction_statements(app):
    """The statements sent before the request's commit (a job run after it is not counted),
    split into data statements and savepoints."""
    seen: list[str] = []
    done = []

    def count(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        if not done:
            seen.append(statement.strip())

    def committed(conn):  # noqa: ARG001
        done.append(True)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    event.listen(engine, "commit", committed)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)
        event.remove(engine, "commit", committed)


def data_statements(seen: list[str]) -> list[str]:
    return [s for s in seen if not s.upper().startswith(SAVEPOINTS)]


def web(client, category_id):
    form = {"category": str(category_id), "description": DESCRIPTION, "address": "Av. Grecia 1"}
    form |= {"mobile": "9 8765 4321", "consent": "y"}
    response = client.post("/solicitudes/nueva", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)


def api(client, key):
    body = {"category": "luminaria", "description": DESCRIPTION, "address": "Av. Grecia 1"}
    response = client.post("/api/v1/tickets", json=body, headers={"X-API-Key": key})
    assert response.status_code == 201, response.get_json()


def sms(client, sender):
    params = {"From": sender, "To": "+56229999999", "Body": DESCRIPTION, "MessageSid": next(sids)}
    url = "http://testserver/channels/sms/inbound"
    signature = RequestValidator("test-auth-token").compute_signature(url, params)
    response = client.post(
        "/channels/sms/inbound", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200 and "<Message>" in response.get_data(as_text=True)


def test_filing_costs_at_most_six_statements_and_the_commit(app, client, demo, api_key):
    category_id = demo.scalar(select(Category.id).where(Category.code == "luminaria"))
    demo.commit()
    # The status counter and the open tickets' hour rows (app/tickets/open_hours.py) are one
    # statement on Postgres (a data-modifying CTE); SQLite has none, so two there.
    apart = 1 if db.engine.dialect.name == "sqlite" else 0
    web(client, category_id)  # the first request of the process reads the catalogue, calendar
    with transaction_statements(app) as seen:
        web(client, category_id)
    assert len(data_statements(seen)) <= 6 + apart, (
        seen
    )  # ticket, contact, count, event, outbox (+1)
    assert not any("FROM categories" in s or "FROM closed_days" in s for s in seen), seen
    assert not any(s.startswith("SELECT tickets.id") for s in seen), seen  # no code look-up

    with transaction_statements(app) as seen:
        api(client, api_key)
    assert len(data_statements(seen)) <= 5 + apart, seen  # key, ticket, count, event (+1)
    assert not any("FROM ticket_events" in s for s in seen), seen  # answered without reloading

    # The SMS webhook: the waiting-ticket read (on Postgres with the person's upsert), the
    # ticket, its contact, the counters (on Postgres with the new person's audit row), the
    # event and the inbound log row, which refuses a repeated MessageSid (no look-up first).
    # SQLite has no data-modifying CTE: the person and its audit row are a statement each.
    # (SQLite also writes the open tickets' hour rows apart: ``apart``.)
    bound = 6 if db.engine.dialect.name == "postgresql" else 8 + apart
    sms(client, "+56987650001")  # a new person
    with transaction_statements(app) as seen:
        sms(client, "+56987650002")
    assert len(data_statements(seen)) <= bound, seen
    assert sum(bool(PERSON.search(s)) for s in seen) == 1, seen
    assert not any(s.startswith("SELECT inbound_sms") for s in seen), seen
    with transaction_statements(app) as seen:
        sms(client, "+56987650002")  # the same person again: found by the same statement
    assert len(data_statements(seen)) <= min(bound, 7 + apart), seen  # no audit row
    assert sum(bool(PERSON.search(s)) for s in seen) == 1, seen
    assert demo.scalar(select(Ticket).order_by(Ticket.id.desc())).person_id is not None


def test_a_code_drawn_twice_is_drawn_again(session, make_ticket, monkeypatch):
    first = make_ticket()
    session.commit()
    fresh = codes.generate()
    draws = iter([first.code, fresh])
    monkeypatch.setattr(codes, "generate", lambda: next(draws))
    second = make_ticket()
    session.commit()
    assert second.code == fresh and session.scalar(select(Ticket.id).where(Ticket.id == first.id))


def test_an_admins_closed_day_is_seen_by_the_next_ticket(session, make_ticket, make_category):
    category = make_category(first=60, resolution=540)
    session.commit()
    before = make_ticket(category)  # warms this process's calendar
    assert reference.business_calendar(session).closed_days == frozenset()
    session.add(ClosedDay(day=TUESDAY_10AM.date(), reason="Aniversario comunal"))
    session.commit()
    after = make_ticket(category)
    session.commit()
    assert TUESDAY_10AM.date() in reference.business_calendar(session).closed_days
    assert after.first_response_due_at.date() > before.first_response_due_at.date()


def test_a_change_made_elsewhere_is_seen_once_the_copy_expires(app, session, make_category):
    category = make_category()
    session.commit()
    assert reference.category_by_id(session, category.id).active
    with db.engine.begin() as other:  # another process: no flush of ours sees it
        other.execute(
            text("UPDATE categories SET active = false WHERE id = :id"), {"id": category.id}
        )
    session.expunge_all()
    assert reference.category_by_id(session, category.id).active  # within the 10 s
    reference.invalidate()  # what the expiry does
    session.expunge_all()
    assert not reference.category_by_id(session, category.id).active
    intake = TicketIntake(channel="web", category_id=category.id, description=DESCRIPTION)
    problems = intake_problems(session, intake)
    assert [p.details.get("field") for p in problems] == ["category"]


def test_uncommitted_catalogue_changes_are_never_shared(app, session, make_category):
    category = make_category()  # flushed, not committed: this transaction reads the tables
    assert reference.category_by_id(session, category.id) is category
    session.rollback()
    assert reference.catalog(session).by_id == {}  # the rolled-back category is not kept
