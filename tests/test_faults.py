"""Faults the workers must survive, against a real Redis the test starts and stops itself:
no ticket lost when Redis is down, nothing lost or sent twice when a worker is killed, and
everything delivered through a flaky Twilio (except to a number that opted out)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from app.models import Notification, SmsSuppression, Ticket
from app.tickets import transition
from tests.support import drain, kill_worker, worker_env
from workers.jobs import relay_outbox

ROOT = Path(__file__).resolve().parent.parent


def mobiles(count: int) -> list[str]:
    return [f"+5699{n:07d}" for n in range(1, count + 1)]


def test_redis_down_while_200_tickets_are_filed(
    app, session, make_ticket, agent, providers, own_redis
):  # noqa: E501
    _, smtp = providers
    category, _ = agent
    own_redis.stop()
    started = time.monotonic()
    for n in range(200):
        make_ticket(category, email=f"vecino{n}@example.cl", consent_notify=True)
        session.commit()  # the enqueue after commit fails: Redis is down
    filing_seconds = time.monotonic() - started
    print(f"200 tickets filed with Redis down in {filing_seconds:.2f} s")
    assert session.scalar(select(func.count()).select_from(Ticket)) == 200
    assert session.scalar(select(func.count()).where(Notification.status == "pending")) == 200

    own_redis.start()
    relay_outbox()
    relay_outbox()  # twice: still one delivery each
    drain(app, session)
    received = Counter(message["To"] for message in smtp.messages)
    assert len(received) == 200 and set(received.values()) == {1}
    assert filing_seconds < 30


def test_a_worker_killed_mid_delivery_loses_nothing_and_sends_nothing_twice(
    app, database_url, session, make_ticket, agent, providers, own_redis
):
    twilio, _ = providers
    twilio.delay_seconds = 0.05  # each send takes a while: the kill lands mid-delivery
    category, staff = agent
    numbers = mobiles(30)
    for number in numbers:
        ticket = make_ticket(category, channel="sms", mobile=number, source_ref=number)
        transition(session, ticket, "rejected", staff, body="No es municipal.")
    session.commit()  # 30 delivery jobs wait in our Redis

    worker = subprocess.Popen(  # noqa: S603 - our own command line
        [sys.executable, "-m", "flask", "--app", "app", "worker"],
        cwd=ROOT,
        env=worker_env(database_url, own_redis.url, twilio),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while len(twilio.messages) < 8 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        kill_worker(worker.pid)  # the worker and its work horse, no goodbye
        worker.wait(timeout=10)
    sent_before_kill = len(twilio.messages)
    assert 8 <= sent_before_kill < 30
    session.expire_all()
    in_flight = session.scalar(select(func.count()).where(Notification.status == "sending"))
    print(f"killed after {sent_before_kill} sends, {in_flight} claimed and unfinished")

    app.config["NOTIFY_CLAIM_TIMEOUT_SECONDS"] = 0  # the dead worker's claims are stale now
    try:
        drain(app, session)
    finally:
        app.config["NOTIFY_CLAIM_TIMEOUT_SECONDS"] = 300
    sent = Counter(message["To"] for message in twilio.messages)
    assert sent == Counter(numbers)  # every number exactly once
    statuses = session.scalars(select(Notification.status)).all()
    assert statuses == ["sent"] * 30


def test_a_flaky_twilio_delivers_everything_but_never_retries_an_opt_out(
    app, session, make_ticket, agent, providers, own_redis
):
    twilio, _ = providers
    twilio.fail_with(("500", "timeout"), every=3)  # a third of requests: errors or silence
    opted_out = "+56998765432"
    twilio.fail_number(opted_out, "21610")
    category, staff = agent
    numbers = mobiles(30)
    for number in [*numbers, opted_out]:
        ticket = make_ticket(category, channel="sms", mobile=number, source_ref=number)
        transition(session, ticket, "rejected", staff, body="No es municipal.")
    drain(app, session)

    sent = Counter(message["To"] for message in twilio.messages)
    assert sent == Counter(numbers)
    rows = session.scalars(select(Notification)).all()
    assert sum(row.attempts > 1 for row in rows) >= 5  # retries happened
    [refused] = [row for row in rows if row.recipient == opted_out]
    assert (refused.status, refused.attempts) == ("failed", 1)
    assert session.get(SmsSuppression, opted_out) is not None
