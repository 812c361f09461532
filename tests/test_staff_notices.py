"""Failed and stuck notifications in one place for staff: ``/staff/avisos`` lists them (Spanish
labels, recipients masked, no provider codes), filtered by status, channel and age, with the
retry button of the ticket page; the dashboard shows how many. Need to know: department staff
see their department's, admins all, staff without a department none."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import Category, Notification, StaffUser, utcnow
from app.tickets.codes import display

NUMBER = "+56987654321"


def user(session, email):
    return session.scalar(select(StaffUser).where(StaffUser.email == email))


def category(session, code):
    return session.scalar(select(Category).where(Category.code == code))


@pytest.fixture
def desk(demo, make_ticket):
    """A light (Operaciones) and a noise (Seguridad) ticket, with notices in every state."""
    now = utcnow()
    light = make_ticket(category(demo, "luminaria"), now=now - timedelta(days=2))
    noise = make_ticket(category(demo, "ruidos"), now=now - timedelta(days=2))

    def notice(ticket, status, *, channel="sms", age=timedelta(hours=1), **values):
        row = Notification(
            ticket_id=ticket.id,
            channel=channel,
            recipient=NUMBER if channel == "sms" else "vecina.perez@example.cl",
            template=values.pop("template", "public_reply"),
            body="Hay una respuesta a su solicitud.",
            status=status,
            created_at=now - age,
            updated_at=now - age,
            **values,
        )
        demo.add(row)
        return row

    rows = {
        "failed_sms": notice(
            light,
            "failed",
            attempts=1,
            error_kind="rejected",
            last_error="Twilio 400 error 21211: The 'To' number is not a valid phone number.",
        ),
        "stuck_email": notice(
            light,
            "pending",
            channel="email",
            attempts=3,
            error_kind="unavailable",
            last_error="SMTP unreachable: TimeoutError",
            next_attempt_at=now + timedelta(minutes=4),
            age=timedelta(hours=2),
        ),
        "old_failed_email": notice(
            light,
            "failed",
            channel="email",
            attempts=6,
            error_kind="unavailable",
            age=timedelta(days=10),
            last_error="SMTP unreachable: TimeoutError",
        ),  # fmt: skip
        "resent_email": notice(light, "sent", channel="email", attempts=2, resends=1),
        "fresh": notice(light, "pending", age=timedelta(minutes=2)),  # on its way, not stuck
        "held": notice(  # an SLA alert held for business hours: waiting on purpose
            light,
            "pending",
            channel="email",
            template="sla_warning",
            age=timedelta(hours=5),
            next_attempt_at=now + timedelta(hours=8),
        ),  # fmt: skip
        "sent": notice(light, "sent"),
        "other_department": notice(noise, "failed", attempts=1, error_kind="rejected"),
    }
    demo.commit()
    return {"light": light, "noise": noise, **rows}


def listed(page: str, desk: dict) -> set[str]:
    """Which of the desk's notices a page links a retry for or names by their ticket."""
    return {
        name
        for name, row in desk.items()
        if isinstance(row, Notification) and f'data-notice="{row.id}"' in page
    }


def test_department_staff_see_their_departments_failed_and_stuck_notices(client, demo, login, desk):
    login(user(demo, "agente@demo.penalolen.cl"))  # Operaciones
    answer = client.get("/staff/avisos")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert listed(page, desk) == {"failed_sms", "stuck_email", "old_failed_email"}
    # words, not codes; recipients masked
    assert "Fallido" in page and "En espera" in page and "Respuesta pública" in page
    assert "número o correo no válido" in page and "no respondió" in page
    assert "+56 9 •••• 4321" in page and "v•••@example.cl" in page
    for hidden in (NUMBER, "vecina.perez", "21211", "public_reply", ">failed<", "Timeout"):
        assert hidden not in page
    assert display(desk["noise"].code) not in page  # another department's ticket


def test_the_filters_narrow_by_status_channel_and_age(client, demo, login, desk):
    login(user(demo, "agente@demo.penalolen.cl"))

    def shown(**args) -> set[str]:
        return listed(client.get("/staff/avisos", query_string=args).get_data(as_text=True), desk)

    assert shown(estado="fallidos") == {"failed_sms", "old_failed_email"}
    assert shown(estado="atrasados") == {"stuck_email"}
    assert shown(estado="reenviados") == {"resent_email"}
    assert shown(canal="email") == {"stuck_email", "old_failed_email"}
    assert shown(antiguedad="7d") == {"failed_sms", "stuck_email"}
    assert shown(estado="fallidos", canal="sms", antiguedad="24h") == {"failed_sms"}
    assert shown(estado="nada", canal="fax", antiguedad="siglos") == shown()  # ignored


def test_retrying_from_the_page_writes_a_new_notice_and_keeps_the_failed_one(
    client, demo, login, desk
):
    login(user(demo, "agente@demo.penalolen.cl"))
    failed = desk["failed_sms"]
    answer = client.post(f"/staff/avisos/{failed.id}/reintentar?estado=fallidos")
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/staff/avisos?estado=fallidos")
    demo.expire_all()
    retry = demo.scalars(select(Notification).order_by(Notification.id.desc())).first()
    assert (retry.body, retry.recipient, retry.template) == (
        failed.body,
        failed.recipient,
        failed.template,
    )
    assert demo.get(Notification, failed.id).status == "failed"  # history stays
    assert "El aviso se enviará de nuevo." in client.get("/staff/avisos").get_data(as_text=True)


def test_nobody_retries_or_sees_what_they_may_not_see(client, demo, login, desk):
    count = demo.scalar(select(func.count()).select_from(Notification))
    login(user(demo, "agente@demo.penalolen.cl"))
    other = desk["other_department"]
    assert client.post(f"/staff/avisos/{other.id}/reintentar").status_code == 404
    assert client.post("/staff/avisos/999999/reintentar").status_code == 404
    stuck = desk["stuck_email"]  # not failed: the relay retries it; staff may not
    refused = client.post(f"/staff/avisos/{stuck.id}/reintentar")
    assert refused.status_code == 303
    assert demo.scalar(select(func.count()).select_from(Notification)) == count

    nobody = StaffUser(email="sin.unidad@demo.penalolen.cl", name="Sin unidad", role="agent")
    nobody.password_hash = "x"
    demo.add(nobody)
    demo.commit()
    login(nobody)
    assert client.get("/staff/avisos").status_code == 403
    assert "/staff/avisos" not in client.get("/staff/tickets").get_data(as_text=True)


def test_admins_see_every_department_and_the_dashboard_counts_them(client, demo, login, desk):
    login(user(demo, "admin@demo.penalolen.cl"))
    page = client.get("/staff/avisos").get_data(as_text=True)
    assert listed(page, desk) == {
        "failed_sms",
        "stuck_email",
        "old_failed_email",
        "other_department",
    }
    dashboard = client.get("/staff/dashboard").get_data(as_text=True)
    assert 'Avisos fallidos o atrasados ahora: <a href="/staff/avisos"><strong>4<' in dashboard

    login(user(demo, "jefatura@demo.penalolen.cl"))  # head of Operaciones
    dashboard = client.get("/staff/dashboard").get_data(as_text=True)
    assert 'Avisos fallidos o atrasados ahora: <a href="/staff/avisos"><strong>3<' in dashboard
    assert 'href="/staff/avisos"' in client.get("/staff/tickets").get_data(as_text=True)
