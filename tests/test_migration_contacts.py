"""Migrations 0008 and 0013 on a database holding data written by the previous schema (SQLite
locally, Postgres in CI): every ticket gets its own copy of its contact, a texted-in ticket keeps
the number it came from, unproved links are undone, nothing is lost, and it goes back down; a
ticket filed by staff keeps who filed it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

# HEAD: the latest schema, which the models (used below) describe.
BEFORE, HEAD = "0007_queue_indexes", "head"
T0 = datetime(2026, 10, 1, 13, 0, tzinfo=UTC)
ANA = {"name": "Ana Torres", "rut": "123456785", "mobile": "+56961234567", "email": "ana@x.cl"}
FIRST_NUMBER = "+56911111111"  # Ana texted from it; a later filing replaced it on her contact


def _at(dialect: str, minutes: int) -> datetime:
    value = T0 + timedelta(minutes=minutes)
    return value.replace(tzinfo=None) if dialect == "sqlite" else value


def _legacy_rows(conn) -> dict[str, int]:
    """What the previous schema held: one contact per person, tickets pointing at it."""
    dialect = conn.dialect.name
    now = _at(dialect, 0)
    conn.execute(
        text(
            "INSERT INTO departments (id, code, name, description, highlighted, active, "
            "created_at) VALUES (1, 'DOP', 'Operaciones', '', :f, :t, :now)"
        ),
        {"f": False, "t": True, "now": now},
    )
    conn.execute(
        text(
            "INSERT INTO categories (id, code, department_id, name, description, keywords, "
            "first_response_minutes, resolution_minutes, is_triage, active, created_at) "
            "VALUES (1, 'luminaria', 1, 'Luminaria', '', '', 540, 2700, :f, :t, :now)"
        ),
        {"f": False, "t": True, "now": now},
    )
    conn.execute(
        text(
            "INSERT INTO contacts (id, name, rut, mobile, email, consent_notify, created_at, "
            "updated_at) VALUES (1, :name, :rut, :mobile, :email, :t, :now, :now), "
            "(2, NULL, NULL, NULL, 'otra@x.cl', :f, :now, :now)"
        ),
        {**ANA, "t": True, "f": False, "now": now},
    )
    tickets = [  # id, channel, source_ref, contact_id
        (1, "sms", "SMfirst", 1),
        (2, "sms", "SMsecond", 1),
        (3, "web", None, 1),
        (4, "counter", None, 1),
        (5, "web", None, None),
        (6, "open311", "tok-6", 2),
    ]
    for number, channel, ref, contact in tickets:
        created = _at(dialect, number)
        conn.execute(
            text(
                "INSERT INTO tickets (id, code, channel, source_ref, category_id, department_id, "
                "status, description, contact_id, created_at, updated_at, "
                "first_response_due_at, resolution_due_at, paused_business_minutes, version) "
                "VALUES (:id, :code, :channel, :ref, 1, 1, 'new', 'Poste apagado', :contact, "
                ":created, :created, :created, :created, 0, 1)"
            ),
            {
                "id": number,
                "code": f"AAAAAAAA{number}",
                "channel": channel,
                "ref": ref,
                "contact": contact,
                "created": created,
            },
        )
    for sid, sender, ticket in (("SMfirst", FIRST_NUMBER, 1), ("SMsecond", ANA["mobile"], 2)):
        conn.execute(
            text(
                "INSERT INTO inbound_sms (message_sid, sender, body, intent, reply, ticket_id, "
                "created_at) VALUES (:sid, :sender, 'Poste apagado', 'text', 'ok', :t, :now)"
            ),
            {"sid": sid, "sender": sender, "t": ticket, "now": now},
        )
    return {"tickets": len(tickets)}


def test_existing_contacts_become_each_tickets_own_details(scratch_app):
    from flask_migrate import downgrade, upgrade

    from app.extensions import db
    from app.models import Contact, Ticket, TicketContact

    with scratch_app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            _legacy_rows(conn)
        upgrade(revision=HEAD)

        session = db.session
        given = {row.ticket_id: row for row in session.query(TicketContact)}
        assert set(given) == {1, 2, 3, 4, 6}  # the anonymous ticket has none
        for number in (1, 2, 3, 4):
            row = given[number]
            assert (row.name, row.rut, row.email) == (ANA["name"], ANA["rut"], ANA["email"])
            assert row.consent_notify is True
            assert row.channel == session.get(Ticket, number).channel
            assert row.given_at == session.get(Ticket, number).created_at
        # A ticket texted in keeps the number it came from, proved.
        assert (given[1].mobile, given[1].mobile_verified) == (FIRST_NUMBER, True)
        assert (given[2].mobile, given[2].mobile_verified) == (ANA["mobile"], True)
        assert (given[3].mobile, given[3].mobile_verified) == (ANA["mobile"], False)
        assert (given[6].email, given[6].consent_notify, given[6].name) == (
            "otra@x.cl",
            False,
            None,
        )
        # Links by SMS and at the counter stay; links a typed email or mobile made are undone.
        links = {t.id: t.person_id for t in session.query(Ticket)}
        assert links == {1: 1, 2: 1, 3: None, 4: 1, 5: None, 6: None}
        # The people are as they were; Ana's current mobile is proved by the SMS from it.
        ana = session.get(Contact, 1)
        assert (ana.name, ana.rut, ana.mobile, ana.email) == tuple(ANA.values())
        assert ana.mobile_verified_at == T0 + timedelta(minutes=2)
        assert ana.email_verified_at is None and ana.rut_verified_at is None
        assert session.get(Contact, 2).mobile_verified_at is None
        session.remove()

        # And back: one contact per ticket again, the undone links found by their details.
        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT id, contact_id FROM tickets")).all())
            assert rows == {1: 1, 2: 1, 3: 1, 4: 1, 5: None, 6: 2}
            tables = {
                r[0]
                for r in conn.execute(
                    text(
                        "SELECT name FROM sqlite_master WHERE type = 'table'"
                        if conn.dialect.name == "sqlite"
                        else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    )
                )
            }
        assert "ticket_contacts" not in tables and "contact_changes" not in tables
        upgrade(revision=HEAD)  # and up again
        assert db.session.query(TicketContact).count() == 5


def test_migration_0013_takes_who_filed_each_ticket_from_its_created_event(scratch_app):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from app.extensions import db

    with scratch_app.app_context():
        upgrade(revision="0007_queue_indexes")
        with db.engine.begin() as conn:
            _legacy_rows(conn)  # tickets 1..6; ticket 4 was filed at the counter
            now = _at(conn.dialect.name, 0)
            conn.execute(
                text(
                    "INSERT INTO staff_users (id, email, name, password_hash, role, active, "
                    "created_at) VALUES (7, 'meson@x.cl', 'Mesón', '-', 'counter', :t, :now)"
                ),
                {"t": True, "now": now},
            )
            for ticket, kind, actor in ((4, "staff", 7), (3, "resident", None)):
                conn.execute(
                    text(
                        "INSERT INTO ticket_events (ticket_id, created_at, actor_kind, actor_id, "
                        "kind, public) VALUES (:t, :now, :kind, :actor, 'created', :p)"
                    ),
                    {"t": ticket, "now": now, "kind": kind, "actor": actor, "p": True},
                )
        upgrade(revision="0013_access_log")
        with db.engine.connect() as conn:
            filed = dict(conn.execute(text("SELECT id, filed_by_id FROM tickets")).all())
        assert filed == {1: None, 2: None, 3: None, 4: 7, 5: None, 6: None}
        downgrade(revision="0012_resident_access_codes")
        with db.engine.connect() as conn:
            columns = conn.execute(text("SELECT * FROM tickets")).keys()
        assert "filed_by_id" not in columns
