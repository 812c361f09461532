"""Consent to be notified is kept per ticket with its instant and wording version; every notice
carries a way to stop them (a signed link in emails, BAJA by SMS); the link's page reads
first and acts only on its button; afterwards the outbox queues nothing for that ticket.
/privacidad explains it all in Spanish. Played through HTTP."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.models import Category, Notification, StaffUser, Ticket, TicketEvent
from app.notices.sms_text import segments
from app.tickets import Actor, add_comment, transition
from app.tickets.codes import display
from app.tickets.consent import CONSENT_WORDING_VERSION
from app.tickets.proof import REPLY, make_link_token
from app.tickets.rights import RIGHTS
from tests.test_survey_and_housekeeping import tamper

EMAIL = "maria@example.cl"
MOBILE = "+56987654321"


def file_request(client, session, **contact) -> Ticket:
    category = session.scalar(select(Category.id).where(Category.code == "luminaria"))
    form = {
        "category": str(category),
        "description": "La luminaria frente a mi casa está apagada hace días.",
        **contact,
    }
    assert client.post("/solicitudes/nueva", data=form).status_code == 303
    return session.scalar(select(Ticket).order_by(Ticket.id.desc()))


def admin(session) -> Actor:
    return Actor.staff(session.scalar(select(StaffUser).where(StaffUser.role == "admin")))


def fresh(session, ticket) -> Ticket:
    session.expire_all()
    return session.get(Ticket, ticket.id)


def notices(session, ticket) -> int:
    return session.scalar(
        select(func.count(Notification.id)).where(Notification.ticket_id == ticket.id)
    )


def stop_link(session, ticket) -> str:
    """The withdrawal link the outbox wrote into the email receipt."""
    body = session.scalar(
        select(Notification.body).where(
            Notification.ticket_id == ticket.id, Notification.template == "received"
        )
    )
    match = re.search(r"http://testserver(/seguimiento/\S+/avisos/\S+)", body)
    assert match, body
    return match.group(1)


# --- consent kept ------------------------------------------------------------------------------


def test_web_consent_is_kept_with_its_instant_and_wording_version(client, demo):
    ticket = file_request(client, demo, email=EMAIL, consent="y")
    contact = ticket.contact
    assert contact.consent_notify and contact.consent_wording == CONSENT_WORDING_VERSION
    assert contact.consent_at == ticket.created_at and contact.consent_withdrawn_at is None
    form = client.get("/solicitudes/nueva").get_data(as_text=True)
    assert "¿Quiere recibir avisos sobre su solicitud por SMS o correo?" in form
    assert "responder BAJA" in form and "/privacidad" in form


def test_no_consent_keeps_no_instant_nor_wording(client, demo):
    contact = file_request(client, demo, email=EMAIL, consent="n").contact
    assert not contact.consent_notify
    assert contact.consent_at is None and contact.consent_wording is None


def test_counter_and_api_consent_are_kept_too(client, demo, login, api_key):
    login(demo.scalar(select(StaffUser).where(StaffUser.role == "counter")))
    category = demo.scalar(select(Category.id).where(Category.code == "bache"))
    counter = client.post(
        "/staff/counter",
        data={
            "mobile": "961234567",
            "consent": "y",
            "source": "counter",
            "category": str(category),
            "description": "Hoyo grande en la calzada.",
        },
    )
    assert counter.status_code == 303
    walk_in = demo.scalar(select(Ticket).order_by(Ticket.id.desc())).contact
    assert walk_in.consent_wording == CONSENT_WORDING_VERSION and walk_in.consent_at is not None
    body = {
        "category": "bache",
        "description": "Hoyo grande en la calzada.",
        "contact": {"email": EMAIL},
        "consent_notify": True,
        "consent_wording": "app-vecinos-v3",
    }
    assert (
        client.post("/api/v1/tickets", json=body, headers={"X-API-Key": api_key}).status_code == 201
    )
    by_api = demo.scalar(select(Ticket).order_by(Ticket.id.desc())).contact
    assert by_api.consent_wording == "app-vecinos-v3" and by_api.consent_at is not None


# --- every notice carries a way out ------------------------------------------------------------


def test_every_email_notice_carries_the_signed_withdrawal_link(client, demo):
    ticket = file_request(client, demo, email=EMAIL, consent="y")
    add_comment(demo, ticket, admin(demo), "Programamos la reparación para el jueves.")
    demo.commit()
    emails = demo.scalars(select(Notification).where(Notification.ticket_id == ticket.id)).all()
    assert {n.template for n in emails} == {"received", "public_reply"}
    for notice in emails:
        assert f"/seguimiento/{ticket.code}/avisos/" in notice.body
        assert "Dejar de recibir avisos" in notice.body and "Dejar de recibir" in notice.body_html


def test_the_sms_receipt_says_baja_within_two_segments(client, demo, login):
    login(demo.scalar(select(StaffUser).where(StaffUser.role == "counter")))
    category = demo.scalar(select(Category.id).where(Category.code == "bache"))
    client.post(
        "/staff/counter",
        data={
            "mobile": "961234567",
            "consent": "y",
            "source": "counter",
            "category": str(category),
            "description": "Hoyo grande en la calzada.",
        },
    )
    [receipt] = demo.scalars(select(Notification).where(Notification.channel == "sms")).all()
    assert "responda BAJA" in receipt.body and segments(receipt.body) <= 2


# --- withdrawal: reading is not acting ---------------------------------------------------------


def test_get_shows_a_button_and_withdraws_nothing(client, demo):
    ticket = file_request(client, demo, email=EMAIL, consent="y")
    page = client.get(stop_link(demo, ticket))
    assert page.status_code == 200
    assert "Sí, dejar de recibir avisos" in page.get_data(as_text=True)
    assert fresh(demo, ticket).contact.consent_withdrawn_at is None


def test_the_button_withdraws_and_no_notice_is_queued_afterwards(client, demo):
    ticket = file_request(client, demo, email=EMAIL, mobile="987654321", consent="y")
    before = notices(demo, ticket)

    done = client.post(stop_link(demo, ticket))

    assert done.status_code == 303
    ticket = fresh(demo, ticket)
    assert ticket.contact.consent_withdrawn_at is not None
    [event] = demo.scalars(
        select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "consent_withdrawn"
        )
    ).all()
    assert event.actor_kind == "resident" and event.data == {"proof": "link"}
    assert not event.public
    page = client.get(done.location).get_data(as_text=True)
    assert "no le enviaremos más avisos" in page
    # Staff answer, ask, resolve: nothing goes out (no SMS either), and no survey.
    actor = admin(demo)
    add_comment(demo, ticket, actor, "Programamos la reparación.")
    transition(demo, ticket, "waiting_resident", actor, body="¿Qué número de poste?")
    transition(demo, ticket, "resolved", actor, body="Reparada.")
    demo.commit()
    assert notices(demo, ticket) == before
    # A second click changes nothing and says it is already done.
    again = client.get(stop_link(demo, ticket)).get_data(as_text=True)
    assert "Ya no le enviamos avisos" in again
    assert client.post(stop_link(demo, ticket)).status_code == 303
    assert (
        demo.scalar(
            select(func.count(TicketEvent.id)).where(TicketEvent.kind == "consent_withdrawn")
        )
        == 1
    )
    staff = client.get(f"/seguimiento/{display(ticket.code)}").get_data(as_text=True)
    assert EMAIL not in staff


def test_a_tampered_or_another_ticket_s_link_is_refused_and_changes_nothing(client, demo):
    mine = file_request(client, demo, email=EMAIL, consent="y")
    other = file_request(client, demo, email="otra@example.cl", consent="y")
    link = stop_link(demo, mine)
    prefix, token = link.rsplit("/", 1)
    other_link = stop_link(demo, other)
    other_token = other_link.rsplit("/", 1)[1]
    reply_token = make_link_token(mine, REPLY)

    attempts = [
        f"{prefix}/{tamper(token)}",  # a forged signature
        f"{prefix}/{other_token}",  # another ticket's token on this ticket's page
        other_link.replace(other.code, mine.code),  # ... with its code rewritten
        f"{prefix}/{reply_token}",  # a link of this ticket for another purpose
    ]
    for attempt in attempts:
        for method in (client.get, client.post):
            response = method(attempt)
            assert response.status_code == 404, attempt
            assert "El enlace no es válido" in response.get_data(as_text=True)
    assert fresh(demo, mine).contact.consent_withdrawn_at is None
    assert fresh(demo, other).contact.consent_withdrawn_at is None
    assert (
        demo.scalar(
            select(func.count(TicketEvent.id)).where(TicketEvent.kind == "consent_withdrawn")
        )
        == 0
    )


def test_the_short_signed_link_leads_to_the_same_page(client, demo):
    ticket = file_request(client, demo, email=EMAIL, consent="y")
    token = stop_link(demo, ticket).rsplit("/", 1)[1]
    response = client.get(f"/a/{token}")
    assert response.status_code == 303 and "/avisos/" in response.location
    assert fresh(demo, ticket).contact.consent_withdrawn_at is None


# --- /privacidad -------------------------------------------------------------------------------


def test_privacidad_explains_in_spanish_what_why_how_long_who_and_each_right(app, client, demo):
    response = client.get("/privacidad")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="es-CL">' in page
    for heading in (
        "Qué datos guardamos",
        "Para qué los usamos",
        "Por cuánto tiempo",
        "Quién los ve",
        "Sus derechos y cómo ejercerlos",
    ):
        assert heading in page
    for right in RIGHTS:
        assert right.name in page and f'id="derecho-{right.slug}"' in page
    assert "hasta 5 años después" in page and "180 días después" in page
    assert "15 días hábiles" in page and "BAJA" in page and "cédula de identidad" in page
    app.config.update(RETENTION_YEARS=3, SMS_RETENTION_DAYS=90)
    try:
        page = client.get("/privacidad").get_data(as_text=True)
    finally:
        app.config.update(RETENTION_YEARS=5, SMS_RETENTION_DAYS=180)
    assert "hasta 3 años después" in page and "90 días después" in page


def test_every_public_footer_links_to_privacidad(client, demo):
    ticket = file_request(client, demo)
    for path in (
        "/",
        "/solicitudes/nueva",
        "/seguimiento",
        "/transparencia",
        f"/seguimiento/{display(ticket.code)}",
        "/privacidad",
    ):
        page = client.get(path).get_data(as_text=True)
        assert 'href="/privacidad"' in page, path
