"""Delivery by batches: many commits make one drain job, a drain claims due rows in one
statement (workers claiming at once take different rows on Postgres), and a row a drain cannot
reach in time goes back to pending unsent."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from rq import Queue
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.delivery import state
from app.extensions import db
from app.models import Notification, utcnow
from app.tickets import transition
from tests.support import drain
from workers import delivery
from workers.queue import redis_connection


def reject_by_sms(session, make_ticket, agent, numbers: list[str]) -> None:
    category, staff = agent
    for number in numbers:
        ticket = make_ticket(category, channel="sms", mobile=number, source_ref=number)
        transition(session, ticket, "rejected", staff, body="No es municipal.")
        session.commit()  # one commit per ticket, one after-commit enqueue per SMS


def pending_rows(session, count: int) -> list[int]:
    rows = [
        Notification(
            channel="sms",
            recipient=f"+5699{n:07d}",
            template="test",
            body="Su solicitud fue resuelta.",
            next_attempt_at=utcnow() + timedelta(days=1),  # not due: no drain takes them yet
        )
        for n in range(count)
    ]
    session.add_all(rows)
    session.commit()
    session.execute(update(Notification).values(next_attempt_at=None))  # due now
    session.commit()
    return [row.id for row in rows]


def test_a_burst_of_commits_queues_one_drain_that_delivers_them_all(
    app, session, make_ticket, agent, providers, own_redis
):
    twilio, _ = providers
    numbers = [f"+5699{n:07d}" for n in range(1, 13)]
    reject_by_sms(session, make_ticket, agent, numbers)

    waiting = Queue("sms", connection=redis_connection())
    assert waiting.count == 1  # 12 commits, 12 enqueue calls: one job waiting

    drain(app, session)
    assert Counter(message["To"] for message in twilio.messages) == Counter(numbers)
    assert set(session.scalars(select(Notification.status))) == {"sent"}


def test_a_drain_claims_the_due_rows_in_batches(app, session, providers):
    twilio, _ = providers
    ids = pending_rows(session, 7)
    app.config["NOTIFY_BATCH_SIZE"] = 3
    try:
        outcome = delivery.drain_outbox("sms")
    finally:
        app.config["NOTIFY_BATCH_SIZE"] = 50
    assert outcome == "sent=7"
    assert len(twilio.messages) == 7
    session.expire_all()
    claims = Counter(
        session.scalars(select(Notification.claimed_at).where(Notification.id.in_(ids)))
    )
    assert sorted(claims.values()) == [1, 3, 3]  # three statements: 3 + 3 + 1


def test_workers_claiming_at_once_take_different_rows(app, session):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED: Postgres (SQLite has one writer at a time)")
    ids = pending_rows(session, 10)
    with Session(db.engine) as first, Session(db.engine) as second:
        mine = state.claim_due(first, channel="sms", limit=4)  # not committed: rows locked
        theirs = state.claim_due(second, channel="sms", limit=4)  # skips them, does not wait
        first.commit()
        second.commit()
    assert [row.id for row in mine] == ids[:4]
    assert [row.id for row in theirs] == ids[4:8]
    assert all(row.attempts == 1 for row in mine + theirs)


def test_a_row_the_drain_cannot_reach_in_time_goes_back_unsent(
    app, session, providers, monkeypatch
):
    twilio, _ = providers
    [row_id] = pending_rows(session, 1)
    monkeypatch.setattr(delivery, "SEND_WITHIN_SECONDS", -1.0)  # every claim is too old already
    assert delivery.deliver_notification(row_id) == "released"
    assert not twilio.messages
    session.expire_all()
    row = session.get(Notification, row_id)
    assert (row.status, row.attempts, row.claimed_at) == ("pending", 0, None)
