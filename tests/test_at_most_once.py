"""At most once towards people: a provider that accepted a message and whose answer (or our
record of it) was lost never makes a second message reach the resident.

- Twilio accepts, then hangs past our timeout: the retry asks Twilio first, finds the message
  and records it; exactly one SMS reaches the fake.
- SMTP accepts, then the database drops the connection before "sent" is recorded: the record
  is retried, not the send; exactly one email.
- A worker dies right after SMTP accepted: the relay recovers the row as "outcome unknown"; the
  resend keeps the Message-ID (the recipient's mail system drops the copy) and staff see it
  counted. A staff retry of a failed email keeps the Message-ID too.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.pool import NullPool

from app.extensions import db
from app.models import Notification
from app.tickets import transition
from tests.support import drain, worker_env

ROOT = Path(__file__).resolve().parent.parent
NUMBER = "+56998877665"
ADDRESS = "vecina@example.cl"


@pytest.fixture
def stale_claims_now(app):
    """Every claim counts as abandoned at once: the relay's recovery of a dead worker's rows,
    which otherwise waits NOTIFY_CLAIM_TIMEOUT_SECONDS (5 minutes)."""
    app.config["NOTIFY_CLAIM_TIMEOUT_SECONDS"] = 0
    yield
    app.config["NOTIFY_CLAIM_TIMEOUT_SECONDS"] = 300


def reject(session, make_ticket, agent, **contact):
    category, staff = agent
    ticket = make_ticket(category, **contact)
    transition(session, ticket, "rejected", staff, body="No es de competencia municipal.")
    return ticket


def test_a_twilio_timeout_after_acceptance_sends_one_sms(
    app, session, make_ticket, agent, providers, own_redis, stale_claims_now
):
    twilio, _ = providers
    twilio.fail_with("accept_then_hang")  # every send: Twilio keeps it, our client times out
    reject(session, make_ticket, agent, channel="sms", mobile=NUMBER, source_ref="SM-hang")
    drain(app, session)

    bodies = twilio.bodies_to(NUMBER)
    assert len(bodies) == 1, bodies
    row = session.scalars(select(Notification)).one()
    assert (row.status, row.provider_id) == ("sent", twilio.messages[0]["sid"])
    assert row.attempts == 2 and row.resends == 0  # the second attempt only asked


def test_an_sms_that_twilio_never_got_is_sent_after_the_timeout(
    app, session, make_ticket, agent, providers, own_redis
):
    twilio, _ = providers
    twilio.fail_with("timeout", times=1)  # silence, and nothing kept: the lookup finds nothing
    reject(session, make_ticket, agent, channel="sms", mobile=NUMBER, source_ref="SM-lost")
    drain(app, session)

    assert len(twilio.bodies_to(NUMBER)) == 1
    row = session.scalars(select(Notification)).one()
    assert (row.status, row.attempts, row.resends) == ("sent", 2, 0)


# --- a lost commit after SMTP accepted -------------------------------------------------------


@pytest.fixture
def drop_database_connection(app):
    """Call it to break the delivery job's database connection as a network fault would:
    Postgres terminates the backends holding an open transaction; on SQLite the driver fails
    the next write of the outbox row."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        killer = create_engine(engine.url, poolclass=NullPool)

        def drop() -> None:
            with killer.connect() as conn:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        " AND state LIKE 'idle in transaction%'"
                    )
                )

        yield drop
        killer.dispose()
        return

    armed = []

    def fail_next_outbox_write(conn, cursor, statement, parameters, context, executemany):
        if armed and statement.lstrip().upper().startswith("UPDATE NOTIFICATIONS"):
            armed.clear()
            raise sqlite3.OperationalError("disk I/O error")

    event.listen(engine, "before_cursor_execute", fail_next_outbox_write)
    yield lambda: armed.append(True)
    event.remove(engine, "before_cursor_execute", fail_next_outbox_write)


def test_a_lost_commit_after_smtp_accepted_is_retried_as_a_commit(
    app, session, make_ticket, agent, providers, own_redis, drop_database_connection,
    stale_claims_now, caplog,
):  # fmt: skip
    _, smtp = providers
    dropped = []

    def accepted_then_connection_lost(message) -> None:
        if not dropped:  # the first email only
            dropped.append(message["Message-ID"])
            drop_database_connection()

    smtp.on_message = accepted_then_connection_lost
    reject(session, make_ticket, agent, email=ADDRESS, consent_notify=True)
    drain(app, session)  # includes the relay's recovery of abandoned claims
    assert dropped and "recording notification 1 as sent failed" in caplog.text

    received = smtp.to(ADDRESS)
    assert len(received) == 2  # the receipt of the filing and the rejection: once each
    assert len({m["Message-ID"] for m in received}) == 2
    rows = session.scalars(select(Notification)).all()
    assert {(r.status, r.resends) for r in rows} == {("sent", 0)}


def test_a_worker_killed_after_smtp_accepted_resends_with_the_same_message_id(
    app, database_url, session, make_ticket, agent, providers, own_redis, stale_claims_now,
    client, login, make_user,
):  # fmt: skip
    _, smtp = providers
    ticket = reject(session, make_ticket, agent, email=ADDRESS, consent_notify=True)
    session.commit()  # two emails wait in our Redis
    worker = subprocess.Popen(  # noqa: S603 - our own command line
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--no-fork"],
        cwd=ROOT,
        env=worker_env(database_url, own_redis.url, smtp=smtp),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    smtp.on_message = lambda message: os.killpg(worker.pid, signal.SIGKILL)  # no goodbye
    try:
        worker.wait(timeout=30)
    finally:
        smtp.on_message = None
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    assert len(smtp.messages) == 1  # accepted, and the worker died before recording it

    drain(app, session)
    first = smtp.messages[0]["Message-ID"]
    copies = [m for m in smtp.messages if m["Message-ID"] == first]
    assert len(copies) == 2  # sent again: the same Message-ID, so the mailbox keeps one
    assert len(smtp.messages) == 3  # and the other email once
    # The email the server accepted went again as a resend. (The dead worker may have claimed
    # the other email in the same batch: its outcome was unknown too, so it counts one resend.)
    resent = session.scalar(select(Notification).where(Notification.provider_id == first))
    assert (resent.status, resent.resends) == ("sent", 1)

    login(make_user("agent", department=ticket.department))
    page = client.get(f"/staff/tickets/{ticket.code}").get_data(as_text=True)
    assert "Reenviado 1 vez" in page


def test_a_staff_retry_of_a_failed_email_keeps_its_message_id(
    app, session, make_ticket, agent, providers, client, login, make_user
):
    _, smtp = providers
    smtp.refuse(ADDRESS)  # 550: fails at once
    ticket = reject(session, make_ticket, agent, email=ADDRESS, consent_notify=True)
    drain(app, session)
    failed = session.scalars(
        select(Notification).where(Notification.status == "failed").order_by(Notification.id)
    ).all()
    assert len(failed) == 2 and not smtp.messages

    smtp.refuse(ADDRESS, False)
    login(make_user("agent", department=ticket.department))
    answer = client.post(f"/staff/tickets/{ticket.code}/avisos/{failed[1].id}/reintentar")
    assert answer.status_code == 303
    drain(app, session)
    [message] = smtp.to(ADDRESS)
    assert message["Message-ID"] == f"<notification-{failed[1].id}@conectados.penalolen.cl>"
