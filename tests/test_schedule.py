"""Periodic jobs: declared as data, one run per slot however many workers tick, and the same
jobs in-process when there is no Redis."""

from datetime import UTC, datetime, timedelta

from rq import Queue
from sqlalchemy import select

from app import create_app
from app.models import TicketEvent, utcnow
from workers import schedule
from workers.queue import redis_connection

NOON = datetime(2026, 11, 24, 15, 0, 10, tzinfo=UTC)


def test_each_slot_is_enqueued_once_however_many_workers_tick(app, own_redis):
    first_worker, second_worker = {}, {}
    with app.app_context():
        enqueued = schedule.tick(app, first_worker, NOON)
        assert schedule.tick(app, second_worker, NOON) == []  # the other worker's slot
        assert schedule.tick(app, first_worker, NOON + timedelta(seconds=5)) == []
        later = schedule.tick(app, second_worker, NOON + timedelta(seconds=61))
        connection = redis_connection()
        queued = Queue("default", connection=connection).job_ids
    slot = int(NOON.timestamp() // 60)
    assert f"periodic-sla-sweep-{slot}" in enqueued
    assert {job.split("-")[1] for job in enqueued} == {
        "relay",
        "sla",
        "close",
        "retention",
        "dashboard",
    }
    assert f"periodic-sla-sweep-{slot + 1}" in later
    assert "periodic-close-stale-tickets" not in " ".join(later)  # hourly: same slot still
    assert sorted(queued) == sorted(enqueued + later)


def test_without_redis_the_periodic_jobs_run_in_process(app, session, make_ticket):
    ticket = make_ticket(now=utcnow() - timedelta(days=30))  # long past its targets
    session.commit()
    saved = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = None
    try:
        schedule.tick(app, {})
    finally:
        app.config["REDIS_URL"] = saved
    session.expire_all()
    kinds = session.scalars(
        select(TicketEvent.kind).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind.like("sla_%")
        )  # noqa: E501
    ).all()
    assert sorted(kinds) == ["sla_breached", "sla_breached"]


def test_the_app_starts_its_own_scheduler_on_the_first_request_in_embedded_mode(database_url):
    # JOBS_SYNC: the periodic jobs run on the scheduler thread itself, so joining it below
    # leaves nothing running into the next test.
    settings = {"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": None, "JOBS_SYNC": True}
    embedded_app = create_app(settings)
    assert "conectados.scheduler" not in embedded_app.extensions  # CLI commands never start it
    embedded_app.test_client().get("/healthz")
    scheduler = embedded_app.extensions["conectados.scheduler"]
    try:
        assert scheduler.is_alive()
    finally:
        scheduler.stop()
        scheduler.join(timeout=5)
