"""Retention (issue 15, item 5), by time travel: what is past its period is anonymized by the
periodic job, what is not stays; a second run changes nothing more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from app.models import (
    REDACTED,
    AccessLogEntry,
    Contact,
    ContactChange,
    InboundSms,
    Notification,
    Redaction,
    Ticket,
)
from app.privacy.retention import Swept, sweep, years_before
from app.tickets import SYSTEM, TicketIntake, open_ticket, transition
from workers import jobs
from workers.schedule import PERIODIC

NOW = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
FIVE_YEARS_AGO = years_before(NOW, 5)
DAY = timedelta(days=1)


@pytest.fixture
def category(make_category):
    return make_category()


def texted(session, category, mobile: str, at: datetime, *, close_at: datetime | None = None):
    """A ticket texted from ``mobile`` (its person is created or joined), closed at
    ``close_at``; with the inbound SMS that filed it."""
    ticket = open_ticket(
        session,
        TicketIntake(
            channel="sms",
            category_id=category.id,
            description=f"Poste apagado, escribe {mobile}",
            address="Los Aromos 1234",
            mobile=mobile,
        ),
        now=at,
    )
    session.add(
        InboundSms(
            message_sid=f"SM{ticket.id:030d}",
            sender=mobile,
            body=f"Poste apagado, escribe {mobile}",
            intent="new",
            reply="Recibimos su solicitud",
            ticket_id=ticket.id,
            created_at=at,
        )
    )
    if close_at is not None:
        transition(session, ticket, "resolved", SYSTEM, now=close_at - timedelta(hours=1))
        transition(session, ticket, "closed", SYSTEM, now=close_at)
    session.flush()
    return ticket


def person_of(session, ticket) -> Contact:
    session.expire_all()
    return session.get(Contact, session.get(Ticket, ticket.id).person_id)


def snapshot(session) -> list:
    session.expire_all()
    rows = []
    for model in (Contact, Ticket, InboundSms, Notification, Redaction, ContactChange):
        for row in session.scalars(select(model).order_by(model.id)):
            rows.append({c.key: getattr(row, c.key) for c in model.__table__.columns})
    return rows


def test_a_person_is_anonymized_five_years_after_their_last_ticket_closed(session, category):
    due = texted(
        session, category, "+56987610001", FIVE_YEARS_AGO - 30 * DAY, close_at=FIVE_YEARS_AGO - DAY
    )
    not_yet = texted(
        session, category, "+56987610002", FIVE_YEARS_AGO - 30 * DAY, close_at=FIVE_YEARS_AGO + DAY
    )
    # An old closed ticket, and one still open: the person is active.
    active_old = texted(
        session, category, "+56987610003", NOW - 7 * 365 * DAY, close_at=NOW - 6 * 365 * DAY
    )
    active_open = texted(session, category, "+56987610003", NOW - 10 * DAY)
    session.commit()

    swept = sweep(session, NOW)
    session.commit()
    assert (swept.persons, swept.tickets) == (1, 0)

    anonymized = person_of(session, due)
    assert anonymized.anonymized_at == NOW and anonymized.mobile is None
    assert session.get(Ticket, due.id).description == REDACTED
    change = session.scalar(
        select(ContactChange).where(
            ContactChange.contact_id == anonymized.id, ContactChange.action == "anonymized"
        )
    )
    assert change.source == "retention" and change.actor_kind == "system"
    trail = session.scalar(select(AccessLogEntry).where(AccessLogEntry.kind == "person_anonymized"))
    assert trail.actor_kind == "system" and trail.person_id == anonymized.id
    assert "5 años" in trail.reason

    assert person_of(session, not_yet).mobile == "+56987610002"
    assert session.get(Ticket, not_yet.id).description != REDACTED
    active = person_of(session, active_old)
    assert active.mobile == "+56987610003"
    assert session.get(Ticket, active_old.id).description != REDACTED
    # The old ticket waits for its person instead of being read on every run.
    assert session.get(Ticket, active_old.id).retention_held_until == NOW

    # Its other ticket closes now; five years and a day later, the person goes.
    transition(session, session.get(Ticket, active_open.id), "rejected", SYSTEM, now=NOW)
    session.commit()
    later = years_before(NOW, -5) + DAY
    assert sweep(session, later - 2 * DAY).persons == 1  # the second person, not yet the third
    session.commit()
    assert person_of(session, active_old).mobile == "+56987610003"
    assert sweep(session, later).persons == 1
    session.commit()
    assert person_of(session, active_old).anonymized_at == later
    assert {t.description for t in session.scalars(select(Ticket))} == {REDACTED}


def test_a_ticket_without_a_person_goes_on_its_own_clock(session, category):
    def web(closed: datetime) -> Ticket:
        ticket = open_ticket(
            session,
            TicketIntake(
                channel="web",
                category_id=category.id,
                description="Bache profundo frente al número 55",
                name="Ana Torres",
                email="ana.torres@example.cl",
                consent_notify=True,
            ),
            now=closed - 10 * DAY,
        )
        transition(session, ticket, "rejected", SYSTEM, body="Fuera de competencia", now=closed)
        return ticket

    old, recent = web(FIVE_YEARS_AGO - DAY), web(FIVE_YEARS_AGO + DAY)
    session.commit()
    assert sweep(session, NOW).tickets == 1
    session.commit()
    session.expire_all()
    old, recent = session.get(Ticket, old.id), session.get(Ticket, recent.id)
    assert (old.contact.name, old.contact.email, old.description) == (REDACTED, None, REDACTED)
    assert old.status == "rejected" and old.closed_at == FIVE_YEARS_AGO - DAY
    assert recent.contact.email == "ana.torres@example.cl"
    redaction = session.scalar(select(Redaction).where(Redaction.scope == "ticket"))
    assert redaction.ticket_id == old.id and redaction.actor_kind == "system"


def test_sms_bodies_and_numbers_are_cleared_after_180_days_once_the_ticket_is_closed(
    session, category
):
    long_ago = NOW - 200 * DAY
    closed = texted(session, category, "+56987620001", long_ago, close_at=long_ago + DAY)
    still_open = texted(session, category, "+56987620002", long_ago)
    recent = texted(session, category, "+56987620003", NOW - 100 * DAY, close_at=NOW - 99 * DAY)
    session.add_all(
        [
            InboundSms(
                message_sid="SMstatus-old",
                sender="+56987620004",
                body="ESTADO",
                intent="status",
                reply="…",
                created_at=long_ago,
            ),
            InboundSms(
                message_sid="SMstatus-new",
                sender="+56987620004",
                body="ESTADO",
                intent="status",
                reply="…",
                created_at=NOW - 10 * DAY,
            ),
        ]
    )
    # Every notice handed over (whether a worker ran here or not), but one still waiting.
    session.execute(update(Notification).values(status="delivered"))
    waiting = session.scalars(select(Notification).order_by(Notification.id)).first()
    waiting.status = "sending"  # a worker holds it
    session.commit()

    swept = sweep(session, NOW)
    session.commit()
    assert swept.sms == 2 and swept.persons == 0

    def sms(**where) -> InboundSms:
        return session.scalar(select(InboundSms).filter_by(**where))

    assert (sms(ticket_id=closed.id).body, sms(ticket_id=closed.id).sender) == (REDACTED,) * 2
    assert sms(ticket_id=closed.id).redacted_at == NOW
    assert sms(ticket_id=still_open.id).sender == "+56987620002"
    assert sms(ticket_id=recent.id).sender == "+56987620003"
    assert sms(message_sid="SMstatus-old").body == REDACTED
    assert sms(message_sid="SMstatus-new").body == "ESTADO"
    # The tickets themselves are untouched (their people are within their period).
    assert session.get(Ticket, closed.id).description.startswith("Poste apagado")

    # Notices older than 180 days lose their recipient and text; newer ones keep them.
    notices = session.scalars(select(Notification)).all()
    assert notices
    assert waiting.recipient != REDACTED  # not sent yet: not touched
    for notice in notices:
        if notice.id == waiting.id:
            continue
        old = notice.created_at < NOW - 180 * DAY
        assert (notice.recipient == REDACTED) is old, (notice.created_at, notice.recipient)
        assert (notice.body == REDACTED) is old
    assert swept.notifications == sum(n.recipient == REDACTED for n in notices) > 0


def test_running_twice_changes_nothing_more(session, category):
    texted(
        session, category, "+56987630001", FIVE_YEARS_AGO - 30 * DAY, close_at=FIVE_YEARS_AGO - DAY
    )
    texted(session, category, "+56987630002", NOW - 200 * DAY, close_at=NOW - 199 * DAY)
    texted(session, category, "+56987630003", NOW - 7 * 365 * DAY, close_at=NOW - 6 * 365 * DAY)
    texted(session, category, "+56987630003", NOW - 10 * DAY)
    session.commit()
    first = sweep(session, NOW)
    session.commit()
    assert first.persons == 1 and first.sms >= 1 and first.held >= 1
    before = snapshot(session)
    assert sweep(session, NOW) == Swept()
    session.commit()
    assert snapshot(session) == before


def test_the_periodic_job_runs_the_sweep_in_rounds(app, session, category):
    assert "retention" in {job.name for job in PERIODIC}
    for n in range(5):
        now = datetime.now(UTC)
        texted(
            session,
            category,
            f"+5698764000{n}",
            years_before(now, 6),
            close_at=years_before(now, 6) + DAY,
        )
    session.commit()
    app.config["RETENTION_BATCH"] = 2  # three rounds of people, then one that finds nothing
    try:
        with app.app_context():
            result = jobs.apply_retention()
    finally:
        app.config["RETENTION_BATCH"] = 200
    assert "persons=5" in result
    session.expire_all()
    assert session.scalar(select(func.count()).where(Contact.anonymized_at.is_not(None))) == 5
    with app.app_context():
        assert "persons=0 tickets=0 held=0 sms=0 notifications=0" in jobs.apply_retention()


def test_retention_periods_are_settings(monkeypatch):
    from config import ConfigError, check, from_env

    settings = from_env({"SECRET_KEY": "x" * 40, "RETENTION_YEARS": "7"})
    assert settings["RETENTION_YEARS"] == 7 and settings["SMS_RETENTION_DAYS"] == 180
    with pytest.raises(ConfigError, match="RETENTION_YEARS"):
        check({**settings, "RETENTION_YEARS": 0})
