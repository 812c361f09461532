"""How the retention job's cost grows: with what it anonymizes, not with the tables.

Usage:
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python \
        bench/retention.py --cases 100000:100 1000000:100
Creates a scratch database per case and fills it inside Postgres (INSERT ... SELECT over
generate_series) with TOTAL tickets of TOTAL/2 persons, as a desk looks once the job has been
running: every ticket with the details given with it, a resident comment (event) and a
notice; one ticket in five texted in (an inbound SMS). Tickets closed within the last four
years (not due) or still open; SMS and notices older than 180 days already redacted. Due:
DUE persons whose tickets all closed six years ago, DUE inbound SMS older than 180 days that
belong to no ticket, and DUE notices older than 180 days. Prints the median time of one
retention sweep (rolled back after each run, so each run does the same work), the time per
anonymized item, and its floor: the bare indexed SELECTs of the candidates; then Postgres'
plan for the tickets' candidate query.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, text  # noqa: E402

from bench.harness import scratch_database  # noqa: E402

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
BATCH = 250_000

CONTACTS = text(
    """
INSERT INTO contacts (name, mobile, consent_notify, mobile_verified_at, created_at, updated_at)
SELECT 'Persona ' || i, '+5699' || lpad(i::text, 7, '0'), true, :now, :now, :now
FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS i
"""
)
# Person k (1-based) has the tickets i with i % persons = k - 1; the first DUE persons' tickets
# all closed six years ago, the others' within the last four years (or are still open).
TICKETS = text(
    """
WITH raw AS (
    SELECT i, (i % :persons) AS p, random() AS fate, random() AS age
    FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS i
), timed AS (
    SELECT raw.*,
           CAST(:now AS timestamptz) - interval '30 days' - CASE
               WHEN p < :due THEN interval '6 years' ELSE age * interval '1460 days'
           END AS created_at
    FROM raw
)
INSERT INTO tickets (
    code, public_id, channel, category_id, department_id, status, description, address,
    created_at, updated_at, first_response_due_at, resolution_due_at, paused_business_minutes,
    closed_at, person_id, version
)
SELECT 'B' || lpad(i::text, 8, '0'), 'b' || lpad(i::text, 11, '0'),
       CASE WHEN i % 5 = 0 THEN 'sms' ELSE 'web' END, :category, :department,
       CASE WHEN p < :due OR fate >= 0.05 THEN 'closed' ELSE 'in_progress' END,
       'Texto del vecino ' || i, 'Calle ' || (i % 500) || ' ' || i,
       created_at, created_at, created_at + interval '1 day', created_at + interval '5 days', 0,
       CASE WHEN p < :due OR fate >= 0.05 THEN created_at + interval '10 days' END,
       p + 1, 1
FROM timed
"""
)
GIVEN = text(
    """
INSERT INTO ticket_contacts (ticket_id, name, mobile, consent_notify, channel, given_at,
                             mobile_verified)
SELECT t.id, 'Persona ' || t.person_id, '+5699' || lpad(t.person_id::text, 7, '0'), true,
       t.channel, t.created_at, t.channel = 'sms'
FROM tickets t WHERE t.id BETWEEN :first AND :last
"""
)
EVENTS = text(
    """
INSERT INTO ticket_events (ticket_id, created_at, actor_kind, kind, body, public)
SELECT t.id, t.created_at + interval '1 hour', 'resident', 'comment', 'Comentario ' || t.id, true
FROM tickets t WHERE t.id BETWEEN :first AND :last
"""
)
SMS = text(
    """
INSERT INTO inbound_sms (message_sid, sender, body, intent, reply, ticket_id, created_at,
                         redacted_at)
SELECT 'SM' || lpad(t.id::text, 30, '0'),
       CASE WHEN old THEN '[anonimizado]' ELSE '+5699' || lpad(t.person_id::text, 7, '0') END,
       CASE WHEN old THEN '[anonimizado]' ELSE 'Texto del vecino ' || t.id END,
       'new', 'Recibimos su solicitud', t.id, t.created_at, CASE WHEN old THEN :now END
FROM (SELECT *, created_at < CAST(:now AS timestamptz) - interval '180 days'
                AND person_id > :due AS old
      FROM tickets WHERE id BETWEEN :first AND :last AND channel = 'sms') AS t
"""
)
NOTICES = text(
    """
INSERT INTO notifications (ticket_id, channel, recipient, template, body, status, attempts,
                           outcome_unknown, resends, created_at, updated_at, redacted_at)
SELECT t.id, 'sms',
       CASE WHEN old THEN '[anonimizado]' ELSE '+5699' || lpad(t.person_id::text, 7, '0') END,
       'received', CASE WHEN old THEN '[anonimizado]' ELSE 'Su solicitud ' || t.code END,
       'delivered', 1, false, 0, t.created_at, t.created_at, CASE WHEN old THEN :now END
FROM (SELECT *, created_at < CAST(:now AS timestamptz) - interval '180 days'
                AND person_id > :due AS old
      FROM tickets WHERE id BETWEEN :first AND :last) AS t
"""
)
# DUE inbound SMS with no ticket (status questions), and DUE notices, older than 180 days and
# not yet redacted.
DUE_SMS = text(
    """
INSERT INTO inbound_sms (message_sid, sender, body, intent, reply, created_at)
SELECT 'SMdue' || i, '+56988' || lpad(i::text, 6, '0'), 'ESTADO', 'status', '...',
       CAST(:now AS timestamptz) - interval '200 days'
FROM generate_series(1, :due) AS i
"""
)
DUE_NOTICES = text(
    """
UPDATE notifications SET recipient = '+56977' || lpad(id::text, 6, '0'), body = 'Aviso',
       redacted_at = NULL
WHERE id IN (SELECT id FROM notifications WHERE redacted_at IS NOT NULL ORDER BY id LIMIT :due)
"""
)


def fill(db, total: int, due: int) -> float:
    from app.models import Category, Department

    started = time.perf_counter()
    department = Department(code="B", name="Bench")
    category = Category(
        code="b",
        department=department,
        name="B",
        first_response_minutes=540,
        resolution_minutes=2700,
    )
    db.session.add_all([department, category])
    db.session.commit()
    persons = max(due * 2, total // 2)
    params = {"now": NOW, "due": due, "persons": persons}
    with db.engine.begin() as conn:
        for first in range(1, persons + 1, BATCH):
            last = min(persons, first + BATCH - 1)
            conn.execute(CONTACTS, {**params, "first": first, "last": last})
        for first in range(1, total + 1, BATCH):
            last = min(total, first + BATCH - 1)
            bounds = {**params, "first": first, "last": last}
            conn.execute(TICKETS, {**bounds, "category": category.id, "department": department.id})
            for statement in (GIVEN, EVENTS, SMS, NOTICES):
                conn.execute(statement, bounds)
        conn.execute(DUE_SMS, params)
        conn.execute(DUE_NOTICES, params)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


def floor_queries(db, limit: int) -> None:
    """The candidates' bare indexed SELECTs, in the sweep's order (what it must read at the
    least)."""
    from datetime import timedelta

    from app.models import InboundSms, Notification, Ticket
    from app.privacy.retention import years_before

    cutoff, sms_cutoff = years_before(NOW, 5), NOW - timedelta(days=180)
    db.session.execute(
        select(Ticket.id)
        .where(
            Ticket.anonymized_at.is_(None),
            Ticket.retention_held_until.is_(None),
            Ticket.closed_at.is_not(None),
            Ticket.closed_at < cutoff,
        )
        .order_by(Ticket.closed_at)
        .limit(limit)
    ).all()
    db.session.execute(
        select(InboundSms.id)
        .where(InboundSms.redacted_at.is_(None), InboundSms.created_at < sms_cutoff)
        .order_by(InboundSms.created_at)
        .limit(limit)
    ).all()
    db.session.execute(
        select(Notification.id)
        .where(Notification.redacted_at.is_(None), Notification.created_at < sms_cutoff)
        .order_by(Notification.created_at)
        .limit(limit)
    ).all()
    db.session.rollback()


def run(url: str, total: int, due: int, repeat: int) -> str:
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.privacy.retention import sweep

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "REDIS_URL": None, "SECRET_KEY": "bench"}
    )
    with app.app_context():
        upgrade()
        loaded = fill(db, total, due)
        batch = 10 * due + 10
        swept, floor = [], []
        for _ in range(repeat):
            started = time.perf_counter()
            result = sweep(db.session, NOW, batch=batch)
            db.session.flush()
            swept.append(time.perf_counter() - started)
            db.session.rollback()  # the same work again next run
            started = time.perf_counter()
            floor_queries(db, batch)
            floor.append(time.perf_counter() - started)
        plan = (
            db.session.execute(
                text(
                    "EXPLAIN SELECT id FROM tickets WHERE anonymized_at IS NULL"
                    " AND retention_held_until IS NULL AND closed_at IS NOT NULL"
                    " AND closed_at < :cutoff ORDER BY closed_at LIMIT 1000"
                ),
                {"cutoff": NOW.replace(year=NOW.year - 5)},
            )
            .scalars()
            .all()
        )
        db.session.remove()
        db.engine.dispose()
    sweep_ms, floor_ms = statistics.median(swept) * 1000, statistics.median(floor) * 1000
    items = result.anonymized
    return (
        f"{total:>8} tickets, {due:>4} due of each kind (loaded in {loaded:5.1f} s): "
        f"sweep {sweep_ms:7.1f} ms for {items} items ({result}), "
        f"{sweep_ms / max(1, items):5.2f} ms/item, floor {floor_ms:6.2f} ms\n"
        f"    plan: {' / '.join(line.strip() for line in plan[:3])}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="retention sweep cost vs table size")
    parser.add_argument(
        "--cases",
        nargs="*",
        default=["100000:100", "1000000:100"],
        help="total:due pairs (tickets, and due persons = due SMS = due notices)",
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="2,000 tickets, 10 due, 2 runs")
    args = parser.parse_args()
    cases = [(2_000, 10)] if args.smoke else [tuple(map(int, c.split(":"))) for c in args.cases]
    repeat = 2 if args.smoke else args.repeat
    print(f"median of {repeat} runs; floor = the candidates' bare indexed SELECTs")
    for total, due in cases:
        with scratch_database() as url:
            print(run(url, total, due, repeat), flush=True)


if __name__ == "__main__":
    main()
