"""Modo práctica: practice tickets are filed through the same screens and domain, and leave no
trace in notifications, figures, feeds or public pages; staff not practising never see them, staff
practising see only them; an admin resets them; the guided exercise ticks itself. Played through
the real HTTP surface (the staff workspace, the public pages, the API, Open311, open data)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.models import (
    AccessLogEntry,
    AttentionAnswer,
    DailyRollup,
    Notification,
    RollupDay,
    StaffUser,
    Ticket,
    TicketContact,
    TicketCount,
    TicketEvent,
)
from app.models.practice import ALL, PRACTICE, scope

BANNER = "Modo práctica: nada de lo que haga aquí llega a los vecinos ni cuenta en las cifras"


def user(session, email) -> StaffUser:
    return session.scalar(select(StaffUser).where(StaffUser.email == email))


def category_id(session, code) -> int:
    from app.models import Category

    return session.scalar(select(Category.id).where(Category.code == code))


def walk_in(client, session, description="Poste apagado frente a la sede vecinal") -> str:
    """A walk-in filed at the counter (with a mobile and an email, consent to be notified)."""
    response = client.post(
        "/staff/counter",
        data={
            "rut": "12.345.678-5",
            "name": "Ana Torres",
            "mobile": "961234567",
            "email": "ana@example.cl",
            "consent": "y",
            "source": "counter",
            "category": str(category_id(session, "luminaria")),
            "description": description,
            "address": "Los Presidentes 100",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return re.search(r"/comprobante/([^/?]+)$", response.location).group(1)


def practising(client, on: bool = True) -> None:
    page = client.get("/staff/tickets").get_data(as_text=True)
    if (BANNER in page) != on:
        assert client.post("/staff/practica", data={"volver": "/staff/tickets"}).status_code == 303


def ticket(session, code) -> Ticket:
    with scope(ALL):
        found = session.scalar(select(Ticket).where(Ticket.code == code.replace("-", "")))
    session.expire_all()
    return found


def act(client, session, code, action, **data):
    version = ticket(session, code).version
    return client.post(
        f"/staff/tickets/{code}", data={"action": action, "version": version, **data}
    )


@pytest.fixture
def world(client, demo, login):
    """One real walk-in, then one practice walk-in worked through by a practising agent."""
    login(user(demo, "meson@demo.penalolen.cl"))
    real = walk_in(client, demo, "Luminaria real apagada")
    real_outbox = demo.scalar(select(func.count()).select_from(Notification))
    assert real_outbox >= 1  # a real walk-in with consent is told (the comparison point)
    counts = sorted(demo.execute(select(TicketCount.__table__)).all())

    practising(client)
    practice = walk_in(client, demo, "Luminaria de práctica")
    login(user(demo, "agente@demo.penalolen.cl"))
    practising(client)
    assert act(client, demo, practice, "take").status_code == 303
    assert act(client, demo, practice, "reply", body="Vamos la próxima semana").status_code == 303
    assert act(client, demo, practice, "ask", body="¿Número del poste?").status_code == 303
    assert act(client, demo, practice, "start").status_code == 303
    resolved = act(client, demo, practice, "resolve", body="La cuadrilla reparó la luminaria.")
    assert resolved.status_code == 303
    return {"real": real, "practice": practice, "outbox": real_outbox, "counts": counts}


def test_a_practice_ticket_is_marked_and_notifies_nobody(client, demo, world):
    practice = ticket(demo, world["practice"])
    assert practice.practice is True and ticket(demo, world["real"]).practice is False
    assert practice.status == "resolved" and practice.channel == "counter"
    # Everything the real walk-in queued, and not one row more: no receipt, no reply, no
    # question, no resolution notice, no survey, no "assigned" notice to staff.
    assert demo.scalar(select(func.count()).select_from(Notification)) == world["outbox"]
    assert (
        demo.scalar(select(func.count()).where(Notification.ticket_id == practice.id)) or 0
    ) == 0
    # Nor through the notices layer called directly: it refuses a practice ticket.
    from app.notices import outbox, templates

    with scope(ALL):
        rendered = templates.render("received", practice, "sms", None)
        assert outbox.add(demo, practice, "received", "sms", "+56961234567", rendered, None) is None
    # And no real person record was joined to it (practice never touches a person's record).
    assert practice.person_id is None


def test_practice_tickets_are_not_counted(client, demo, world):
    assert sorted(demo.execute(select(TicketCount.__table__)).all()) == world["counts"]
    from app.tickets import counts

    counts.rebuild(demo.connection())  # recounted from the tickets table: the same rows
    assert sorted(demo.execute(select(TicketCount.__table__)).all()) == world["counts"]
    demo.rollback()


def test_practice_staff_see_only_practice_tickets_and_the_others_never_see_them(
    client, demo, login, world
):
    real, practice = world["real"], world["practice"]
    # The agent is practising: the queue holds the practice ticket, not the real one.
    queue = client.get("/staff/tickets?estado=todos").get_data(as_text=True)
    assert BANNER in queue
    assert practice in queue and real not in queue
    assert client.get(f"/staff/tickets/{real}").status_code == 404
    # The same through the API with the practising session (staff pages' JavaScript, scripts).
    assert client.get(f"/api/v1/tickets/{real}").status_code == 404
    assert client.get(f"/api/v1/tickets/{practice}").status_code == 200
    listed = client.get("/api/v1/tickets?status=resolved").get_data(as_text=True)
    assert practice in listed and real not in listed
    # Switched off: the other way round, and the practice ticket's page is not found.
    practising(client, on=False)
    queue = client.get("/staff/tickets?estado=todos").get_data(as_text=True)
    assert BANNER not in queue
    assert real in queue and practice not in queue
    assert client.get(f"/staff/tickets/{practice}").status_code == 404
    assert client.get(f"/staff/counter/comprobante/{practice}").status_code == 404
    assert client.get(f"/api/v1/tickets/{practice}").status_code == 404
    assert client.get(f"/api/v1/tickets/{real}").status_code == 200
    # A colleague who never practised: the same.
    login(user(demo, "jefatura@demo.penalolen.cl"))
    assert practice not in client.get("/staff/tickets?estado=todos").get_data(as_text=True)
    assert client.get(f"/staff/tickets/{practice}").status_code == 404


def test_practice_tickets_never_reach_public_pages_or_feeds(app, demo, api_key, world):
    real, practice = world["real"], world["practice"]
    client = app.test_client()  # a resident, an integration: not the practising staff session
    with scope(ALL):
        public_id = ticket(demo, practice).public_id
    assert client.get(f"/seguimiento/{real}").status_code == 200
    assert client.get(f"/seguimiento/{practice}").status_code == 404
    assert client.get(f"/seguimiento/{practice}/comprobante").status_code == 404
    headers = {"X-API-Key": api_key}
    assert client.get(f"/api/v1/tickets/{practice}", headers=headers).status_code == 404
    listed = client.get("/api/v1/tickets", headers=headers).get_data(as_text=True)
    assert practice.replace("-", "") not in listed and practice not in listed
    for path in ("requests.json", "requests.xml", "requests.json?extensions=true"):
        assert public_id not in client.get(f"/open311/v2/{path}").get_data(as_text=True)
    assert client.get(f"/open311/v2/requests/{public_id}.json").status_code == 404
    monthly = client.get("/datos/cifras-mensuales.json")
    assert monthly.status_code == 200
    assert public_id not in monthly.get_data(as_text=True)
    assert client.get("/transparencia").status_code == 200


def test_the_dashboard_and_transparency_figures_ignore_practice_tickets(client, demo, world):
    from app.dashboards import dashboard, transparency
    from app.dashboards.periods import period
    from app.dashboards.scope import Scope
    from app.models import utcnow
    from app.tickets import Actor, practice
    from app.tickets.sla import business_calendar

    now = utcnow()
    today = now.date()
    calendar = business_calendar(demo)
    span = Scope(span=period(today - timedelta(days=7), today, "America/Santiago"))

    def figures():
        built = dashboard.build(demo, span, calendar, now, compare_departments=True)
        return built, transparency.report(demo, now, "America/Santiago")

    with_practice = figures()
    # One real walk-in, still new; the resolved practice ticket is nowhere.
    assert with_practice[0].summary.received == 1
    assert with_practice[0].summary.resolved == 0
    assert with_practice[0].resolution.stopped == 0
    practice.reset(demo, Actor.staff(user(demo, "admin@demo.penalolen.cl")))
    assert figures() == with_practice
    demo.rollback()


def test_rollups_and_dirty_days_ignore_practice_tickets(session, make_category):
    """A practice ticket filed and resolved on past days marks no day dirty, and the job's rows
    are those of the real tickets alone."""
    from app.dashboards.rollups import refresh
    from app.models import utcnow
    from app.tickets import Actor, TicketIntake, open_ticket, transition

    category = make_category()
    past = utcnow() - timedelta(days=10)
    real = open_ticket(
        session,
        TicketIntake(channel="web", category_id=category.id, description="Poste apagado"),
        now=past,
    )
    session.commit()
    today = date.today() + timedelta(days=1)
    refresh(session, today, "America/Santiago")
    session.commit()
    rows = sorted(session.execute(select(DailyRollup.__table__)).all())
    assert sum(r.received for r in session.scalars(select(DailyRollup))) == 1

    from app.models import StaffUser

    agent = StaffUser(
        email="a@t.cl",
        name="A",
        role="agent",
        password_hash="x",
        department_id=category.department_id,
    )
    session.add(agent)
    session.flush()
    with scope(PRACTICE):
        practice = open_ticket(
            session,
            TicketIntake(channel="counter", category_id=category.id, description="Práctica"),
            Actor.staff(agent),
            now=past,
        )
        transition(
            session,
            practice,
            "resolved",
            Actor.staff(agent),
            body="Listo",
            now=past + timedelta(hours=2),
        )
    session.commit()
    assert practice.practice
    assert (
        session.scalar(select(func.count()).select_from(RollupDay).where(RollupDay.kind == "dirty"))
        == 0
    )
    assert session.scalar(select(func.count()).select_from(Notification)) == 0 or all(
        n.ticket_id == real.id for n in session.scalars(select(Notification))
    )
    # Rolled again from scratch: the same rows.
    session.execute(RollupDay.__table__.delete())
    refresh(session, today, "America/Santiago")
    session.commit()
    assert sorted(session.execute(select(DailyRollup.__table__)).all()) == rows
    # Even the practice scope does not bring them into the job's count.
    assert real.practice is False


def test_an_admin_resets_the_practice_tickets_and_nobody_else_may(client, demo, login, world):
    real, practice = world["real"], world["practice"]
    with scope(ALL):
        practice_id = ticket(demo, practice).id
    # An attention answer tied to the practice ticket goes with it (its foreign key would
    # otherwise refuse the reset on Postgres).
    demo.add(
        AttentionAnswer(
            channel="web", via="link", ticket_id=practice_id, answered_on=date.today(), overall=4
        )
    )
    demo.commit()
    assert client.post("/staff/admin/practica/reiniciar").status_code == 403  # an agent
    login(user(demo, "admin@demo.penalolen.cl"))
    home = client.get("/staff/admin").get_data(as_text=True)
    assert "Solicitudes de práctica guardadas: <strong>1</strong>" in home
    assert "<title>Administración · Conectados</title>" in home  # the section sits in the page
    assert home.count('id="practica"') == 1
    response = client.post("/staff/admin/practica/reiniciar")
    assert response.status_code == 303
    assert "Se eliminaron 1 solicitudes de práctica." in client.get(response.location).get_data(
        as_text=True
    )
    with scope(ALL):
        assert demo.scalar(select(func.count()).where(Ticket.practice.is_(True))) == 0
        assert ticket(demo, real) is not None
    for model in (TicketEvent, TicketContact, Notification, AccessLogEntry, AttentionAnswer):
        assert (
            demo.scalar(select(func.count()).where(model.ticket_id == practice_id)) or 0
        ) == 0, model
    assert demo.scalar(select(func.count()).where(TicketEvent.ticket_id != practice_id)) >= 1
    assert sorted(demo.execute(select(TicketCount.__table__)).all()) == world["counts"]


def test_the_banner_and_the_switch(client, demo, login):
    login(user(demo, "meson@demo.penalolen.cl"))
    page = client.get("/staff/counter").get_data(as_text=True)
    assert BANNER not in page and 'aria-pressed="false"' in page
    switched = client.post("/staff/practica", data={"volver": "/staff/counter"})
    assert switched.status_code == 303 and switched.location.endswith("/staff/counter")
    for url in ("/staff/counter", "/staff/tickets", "/staff/mapa", "/staff/password"):
        response = client.get(url)
        if response.status_code == 200:
            assert BANNER in response.get_data(as_text=True), url
    assert 'aria-pressed="true"' in client.get("/staff/counter").get_data(as_text=True)
    # Stored per staff member: a new session keeps it.
    assert user(demo, "meson@demo.penalolen.cl").practice_mode is True
    # A foreign "volver" is not followed.
    back = client.post("/staff/practica", data={"volver": "https://evil.example/"})
    assert back.location.endswith("/staff/")
    assert BANNER not in client.get("/staff/counter").get_data(as_text=True)


def test_the_guided_exercise_ticks_what_was_done(client, demo, login):
    login(user(demo, "meson@demo.penalolen.cl"))
    practising(client)
    page = client.get("/staff/counter").get_data(as_text=True)
    assert "Ejercicio guiado de práctica" in page
    assert page.count("(pendiente)") == 3 and "(hecho)" not in page
    code = walk_in(client, demo)
    client.get(f"/staff/counter/comprobante/{code}")
    page = client.get("/staff/counter?buscar=ana@example.cl").get_data(as_text=True)
    assert code in page  # found again by the email given
    assert page.count("(hecho)") == 3 and "completo" in page

    login(user(demo, "agente@demo.penalolen.cl"))
    practising(client)
    page = client.get("/staff/tickets").get_data(as_text=True)
    assert page.count("(pendiente)") == 3
    act(client, demo, code, "take")
    act(client, demo, code, "ask", body="¿Número del poste?")
    act(client, demo, code, "start")
    template = "La cuadrilla de alumbrado reparó la luminaria. Gracias por avisarnos."
    act(client, demo, code, "resolve", body=template)
    page = client.get("/staff/tickets").get_data(as_text=True)
    assert page.count("(hecho)") == 3, page[:3000]


def test_the_retention_job_deletes_practice_tickets_past_their_days(
    app, session, make_category, make_user, monkeypatch
):
    """What staff typed while practising (perhaps a real person's details) is not kept: the
    retention job deletes practice tickets ``PRACTICE_RETENTION_DAYS`` after filing."""
    from app.models import utcnow
    from app.tickets import Actor, TicketIntake, open_ticket
    from workers import jobs

    category = make_category()
    clerk = Actor.staff(make_user("counter"))
    now = utcnow()

    def practice(days_ago: int, name: str) -> int:
        with scope(PRACTICE):
            intake = TicketIntake(
                channel="counter",
                category_id=category.id,
                description="Práctica",
                name=name,
                mobile="961234567",
                consent_notify=True,
            )
            return open_ticket(session, intake, clerk, now=now - timedelta(days=days_ago)).id

    old, recent = practice(31, "Ana Torres"), practice(29, "Berta Díaz")
    real = open_ticket(
        session,
        TicketIntake(channel="web", category_id=category.id, description="Real"),
        now=now - timedelta(days=400),
    ).id
    session.commit()
    monkeypatch.setitem(app.config, "PRACTICE_RETENTION_DAYS", 30)
    with app.app_context():
        assert "practice=1" in jobs.apply_retention()
    session.expire_all()
    with scope(ALL):
        left = set(session.scalars(select(Ticket.id)))
    assert left == {recent, real}
    assert session.scalar(select(func.count()).where(TicketContact.ticket_id == old)) == 0
    assert session.scalar(select(func.count()).where(TicketEvent.ticket_id == old)) == 0
    with app.app_context():
        assert "practice=0" in jobs.apply_retention()


def test_practice_retention_is_a_setting():
    from config import ConfigError, check, from_env

    settings = from_env({"SECRET_KEY": "x" * 40, "PRACTICE_RETENTION_DAYS": "7"})
    assert settings["PRACTICE_RETENTION_DAYS"] == 7
    assert from_env({"SECRET_KEY": "x" * 40})["PRACTICE_RETENTION_DAYS"] == 30
    with pytest.raises(ConfigError, match="PRACTICE_RETENTION_DAYS"):
        check({**settings, "PRACTICE_RETENTION_DAYS": 0})
