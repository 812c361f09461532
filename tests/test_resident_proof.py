"""Reading is not acting: a stranger who holds only a ticket's code sees its public view, and
cannot answer for the resident, rate the survey or withdraw the request. The resident can,
through the signed link sent to them, a one-time code sent to their own contact, or an SMS from
the number that filed. Everything goes through the real HTTP surface."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import (
    Category,
    Notification,
    ResidentAccessCode,
    SatisfactionRating,
    StaffUser,
    Ticket,
    TicketEvent,
    utcnow,
)
from app.tickets import Actor, transition
from app.tickets.codes import display
from tests.test_sms_inbound import text as sms
from tests.test_survey_and_housekeeping import tamper

MOBILE = "+56987654321"
EMAIL = "maria@example.cl"
QUESTION = "¿Frente a qué número está el poste?"
SECRET_ANSWER = "Frente al 8735, soy María, mi RUT es 12.345.678-5"


def file_request(client, session, **contact):
    category = session.scalar(select(Category.id).where(Category.code == "luminaria"))
    form = {
        "category": str(category),
        "description": "La luminaria frente a mi casa en Av. Grecia 8735 está apagada.",
        "address": "Av. Grecia 8735",
        **contact,
    }
    assert client.post("/solicitudes/nueva", data=form).status_code == 303
    return session.scalar(select(Ticket).order_by(Ticket.id.desc()))


@pytest.fixture
def admin(demo):
    return Actor.staff(demo.scalar(select(StaffUser).where(StaffUser.role == "admin")))


@pytest.fixture
def waiting(client, demo, admin):
    """A web request with the resident's email and mobile; staff asked them a question."""
    ticket = file_request(
        client, demo, name="María González", email=EMAIL, mobile="987654321", consent="y"
    )
    transition(demo, ticket, "waiting_resident", admin, body=QUESTION)
    demo.commit()
    return ticket


@pytest.fixture
def resolved(client, demo, admin):
    ticket = file_request(client, demo, name="María", email=EMAIL, consent="y")
    transition(demo, ticket, "resolved", admin, body="Cambiamos la ampolleta.")
    demo.commit()
    return ticket


def fresh(session, ticket) -> Ticket:
    session.expire_all()
    return session.get(Ticket, ticket.id)


def events(session, ticket) -> int:
    return session.scalar(
        select(func.count(TicketEvent.id)).where(TicketEvent.ticket_id == ticket.id)
    )


def link_in(session, ticket, template: str) -> str:
    """The signed link the outbox wrote into the message to the resident."""
    bodies = session.scalars(
        select(Notification.body).where(
            Notification.ticket_id == ticket.id, Notification.template == template
        )
    ).all()
    links = [m.group(1) for body in bodies for m in [re.search(r"(/a/\S+)", body)] if m]
    assert links, bodies
    return links[-1]


def sent_code(session, ticket) -> str:
    body = session.scalar(
        select(Notification.body)
        .where(Notification.ticket_id == ticket.id, Notification.template == "access_code")
        .order_by(Notification.id.desc())
    )
    return re.search(r"\b(\d{6})\b", body).group(1)


def prove_with_code(client, session, ticket) -> None:
    code = display(ticket.code)
    assert client.post(f"/seguimiento/{code}/verificar/enviar").status_code == 303
    checked = client.post(
        f"/seguimiento/{code}/verificar", data={"code": sent_code(session, ticket)}
    )
    assert checked.status_code == 303, checked.get_data(as_text=True)


# --- the stranger who holds only the code --------------------------------------------------


def test_a_stranger_with_the_code_cannot_answer_the_question(client, demo, waiting):
    code = display(waiting.code)
    page = client.get(f"/seguimiento/{code}").get_data(as_text=True)
    assert QUESTION in page  # the public view: staff's public question is readable
    assert 'name="body"' not in page and "Confirmar que soy yo" in page
    before = events(demo, waiting)

    answer = client.post(f"/seguimiento/{code}/responder", data={"body": "Soy yo, de verdad"})

    assert answer.status_code == 403
    assert "confirme que usted hizo la solicitud" in answer.get_data(as_text=True)
    assert fresh(demo, waiting).status == "waiting_resident"
    assert events(demo, waiting) == before


def test_a_stranger_cannot_rate_the_survey_and_the_page_mints_no_link(client, demo, resolved):
    code = display(resolved.code)
    page = client.get(f"/seguimiento/{code}").get_data(as_text=True)
    assert "/encuesta/" not in page
    forged = client.post("/encuesta/" + resolved.code, data={"rating": "1"})
    assert forged.status_code == 404
    assert fresh(demo, resolved).status == "resolved"
    assert demo.scalar(select(func.count(SatisfactionRating.id))) == 0


def test_a_stranger_cannot_withdraw_a_request(client, demo, waiting):
    code = display(waiting.code)
    assert client.get(f"/seguimiento/{code}/retirar").status_code == 403
    refused = client.post(f"/seguimiento/{code}/retirar")
    assert refused.status_code == 403
    assert "Confirmar que soy yo" in refused.get_data(as_text=True)
    assert fresh(demo, waiting).status == "waiting_resident"


def test_pages_the_code_opens_never_show_what_the_resident_wrote(client, demo, waiting):
    sms(client, SECRET_ANSWER, sender=MOBILE)  # the resident answers from her phone
    assert fresh(demo, waiting).status == "in_progress"
    code = display(waiting.code)
    pages = {
        "tracking": client.get(f"/seguimiento/{code}"),
        "receipt": client.get(f"/seguimiento/{code}/comprobante"),
        "received": client.get(f"/solicitudes/recibida/{code}"),
        "api": client.get(f"/api/v1/tickets/{code}"),
        "verify": client.get(f"/seguimiento/{code}/verificar"),
    }
    for name, page in pages.items():
        body = page.get_data(as_text=True)
        assert page.status_code == 200, name
        for secret in ("Frente al 8735", "María", "12.345.678", "luminaria frente a mi casa"):
            assert secret not in body, (name, secret)
    day = utcnow().astimezone(__import__("zoneinfo").ZoneInfo("America/Santiago"))
    assert f"Usted respondió el {day:%d-%m}" in pages["tracking"].get_data(as_text=True)
    titles = [entry["title"] for entry in pages["api"].get_json()["timeline"]]
    assert f"Usted respondió el {day:%d-%m}" in titles


# --- the resident: signed link ---------------------------------------------------------------


def test_the_resident_answers_through_the_link_in_the_message(client, demo, waiting):
    link = link_in(demo, waiting, "info_requested")
    landed = client.get(link)
    assert landed.status_code == 303
    assert landed.location.endswith(f"/seguimiento/{display(waiting.code)}#responder")
    page = client.get(landed.location).get_data(as_text=True)
    assert 'name="body"' in page and "Confirmamos que es usted" in page

    answer = client.post(
        f"/seguimiento/{display(waiting.code)}/responder", data={"body": "Frente al 8735"}
    )

    assert answer.status_code == 303
    assert fresh(demo, waiting).status == "in_progress"
    reply = demo.scalar(
        select(TicketEvent).where(
            TicketEvent.ticket_id == waiting.id,
            TicketEvent.kind == "comment",
            TicketEvent.actor_kind == "resident",
        )
    )
    assert reply.body == "Frente al 8735" and reply.data == {"proof": "link"}
    page = client.get(f"/seguimiento/{display(waiting.code)}").get_data(as_text=True)
    assert "Gracias. Recibimos su respuesta" in page and "Frente al 8735" not in page


def test_a_link_serves_its_own_ticket_and_purpose_only(client, demo, waiting, admin):
    other = file_request(client, demo, email="otra@example.cl", consent="y")
    transition(demo, other, "waiting_resident", admin, body="¿Dónde?")
    demo.commit()
    client.get(link_in(demo, waiting, "info_requested"))
    # The reply link of one ticket answers nothing on another, and withdraws nothing.
    assert (
        client.post(f"/seguimiento/{display(other.code)}/responder", data={"body": "x"}).status_code
        == 403
    )
    assert client.post(f"/seguimiento/{display(waiting.code)}/retirar").status_code == 403
    assert fresh(demo, other).status == "waiting_resident"
    assert fresh(demo, waiting).status == "waiting_resident"


def test_a_tampered_or_expired_link_is_refused_in_spanish(app, client, demo, waiting, monkeypatch):
    link = link_in(demo, waiting, "info_requested")
    tampered = client.get(tamper(link))
    assert tampered.status_code == 404
    assert "El enlace no es válido" in tampered.get_data(as_text=True)
    monkeypatch.setitem(app.config, "RESIDENT_LINK_MAX_AGE_DAYS", -1)
    expired = client.get(link)
    assert expired.status_code == 404 and "El enlace venció" in expired.get_data(as_text=True)
    answer = client.post(f"/seguimiento/{display(waiting.code)}/responder", data={"body": "x"})
    assert answer.status_code == 403


def test_the_resident_withdraws_through_the_link_in_the_receipt(client, demo):
    ticket = file_request(client, demo, email=EMAIL, consent="y")
    client.get(link_in(demo, ticket, "received"))
    code = display(ticket.code)
    assert "¿Usted hizo esta solicitud?" not in client.get(f"/seguimiento/{code}").get_data(
        as_text=True
    )
    confirm = client.get(f"/seguimiento/{code}/retirar")
    assert confirm.status_code == 200 and "Sí, retirar mi solicitud" in confirm.get_data(
        as_text=True
    )

    done = client.post(f"/seguimiento/{code}/retirar")

    assert done.status_code == 303
    ticket = fresh(demo, ticket)
    assert ticket.status == "closed" and ticket.closed_at is not None
    page = client.get(f"/seguimiento/{code}").get_data(as_text=True)
    assert "Solicitud retirada por el vecino o vecina." in page and "Cerrada" in page
    [confirmation] = demo.scalars(
        select(Notification).where(Notification.template == "withdrawn")
    ).all()
    assert confirmation.recipient == EMAIL
    again = client.post(f"/seguimiento/{code}/retirar")
    assert again.status_code == 409 and "ya no está abierta" in again.get_data(as_text=True)


# --- the resident: one-time code ------------------------------------------------------------


def test_the_one_time_code_flow_end_to_end(client, demo, waiting):
    code = display(waiting.code)
    verify = client.get(f"/seguimiento/{code}/verificar").get_data(as_text=True)
    assert "+56 9 •••• ••21" in verify and MOBILE not in verify and "987654321" not in verify
    assert 'autocomplete="one-time-code"' in verify

    sent = client.post(f"/seguimiento/{code}/verificar/enviar")

    assert sent.status_code == 303
    note = client.get(sent.location).get_data(as_text=True)
    assert "Le enviamos un código por SMS al celular +56 9 •••• ••21" in note
    [message] = demo.scalars(
        select(Notification).where(Notification.template == "access_code")
    ).all()
    assert message.channel == "sms" and message.recipient == MOBILE
    digits = sent_code(demo, waiting)
    stored = demo.scalar(select(ResidentAccessCode))
    assert digits not in stored.code_hash and len(stored.code_hash) == 64

    wrong = "000000" if digits != "000000" else "111111"
    refused = client.post(f"/seguimiento/{code}/verificar", data={"code": wrong})
    assert refused.status_code == 422
    assert "El código no es correcto" in refused.get_data(as_text=True)
    assert 'name="body"' not in client.get(f"/seguimiento/{code}").get_data(as_text=True)

    accepted = client.post(
        f"/seguimiento/{code}/verificar", data={"code": digits[:3] + " " + digits[3:]}
    )
    assert accepted.status_code == 303
    assert 'name="body"' in client.get(accepted.location).get_data(as_text=True)
    answer = client.post(f"/seguimiento/{code}/responder", data={"body": "Frente al 8735"})
    assert answer.status_code == 303 and fresh(demo, waiting).status == "in_progress"
    assert demo.scalar(
        select(TicketEvent.data).where(
            TicketEvent.kind == "comment", TicketEvent.actor_kind == "resident"
        )
    ) == {"proof": "access_code"}

    # Used once: the same digits prove nothing in another browser.
    other_browser = client.application.test_client()
    reused = other_browser.post(f"/seguimiento/{code}/verificar", data={"code": digits})
    assert reused.status_code == 422 and "venció o ya fue usado" in reused.get_data(as_text=True)


def test_the_code_goes_by_email_when_there_is_no_mobile(client, demo, resolved):
    code = display(resolved.code)
    assert "ma•••@e•••.cl" in client.get(f"/seguimiento/{code}/verificar").get_data(as_text=True)
    prove_with_code(client, demo, resolved)
    message = demo.scalar(select(Notification).where(Notification.template == "access_code"))
    assert message.channel == "email" and message.recipient == EMAIL
    # Proven, the browser gets the survey; answering it closes the ticket.
    page = client.get(f"/seguimiento/{code}").get_data(as_text=True)
    survey = re.search(r'href="(/encuesta/[^"]+)"', page).group(1)
    assert client.post(survey, data={"rating": "5"}).status_code == 200
    assert fresh(demo, resolved).status == "closed"


def test_five_wrong_codes_burn_it_even_for_the_right_one(client, demo, waiting):
    code = display(waiting.code)
    client.post(f"/seguimiento/{code}/verificar/enviar")
    digits = sent_code(demo, waiting)
    wrong = f"{(int(digits) + 1) % 10**6:06d}"
    for _ in range(5):
        assert (
            client.post(f"/seguimiento/{code}/verificar", data={"code": wrong}).status_code == 422
        )
    burnt = client.post(f"/seguimiento/{code}/verificar", data={"code": digits})
    assert burnt.status_code == 429
    assert "demasiados intentos" in burnt.get_data(as_text=True)
    assert client.post(f"/seguimiento/{code}/responder", data={"body": "x"}).status_code == 403


def test_an_expired_code_is_refused(client, demo, waiting):
    code = display(waiting.code)
    client.post(f"/seguimiento/{code}/verificar/enviar")
    digits = sent_code(demo, waiting)
    row = demo.scalar(select(ResidentAccessCode))
    row.expires_at = utcnow() - timedelta(seconds=1)
    demo.commit()
    expired = client.post(f"/seguimiento/{code}/verificar", data={"code": digits})
    assert expired.status_code == 422 and "venció" in expired.get_data(as_text=True)


def test_housekeeping_blanks_the_digits_of_expired_codes_in_the_outbox(client, demo, waiting):
    from workers.jobs import close_stale_tickets

    client.post(f"/seguimiento/{display(waiting.code)}/verificar/enviar")
    digits = sent_code(demo, waiting)
    message = demo.scalar(select(Notification).where(Notification.template == "access_code"))
    message.status = "pending"  # not delivered yet: kept, even once expired
    message.created_at -= timedelta(minutes=11)
    demo.commit()
    assert "codes=0" in close_stale_tickets()
    message.status = "sent"
    demo.commit()
    assert "codes=1" in close_stale_tickets()
    demo.expire_all()
    assert digits not in demo.get(Notification, message.id).body


def test_code_entry_is_rate_limited_per_address(app, client, demo, waiting, monkeypatch):
    code = display(waiting.code)
    monkeypatch.setitem(app.config, "ACCESS_CODE_CHECK_RATE_LIMIT", "3 per minute")
    statuses = [
        client.post(f"/seguimiento/{code}/verificar", data={"code": "123456"}).status_code
        for _ in range(4)
    ]
    assert statuses == [422, 422, 422, 429]


def test_codes_are_not_sent_again_and_again(app, client, demo, waiting, monkeypatch):
    """Per ticket, whatever the address asking (the per-address limit is tested apart)."""
    monkeypatch.setitem(app.config, "ACCESS_CODE_SEND_RATE_LIMIT", "100 per hour")
    code = display(waiting.code)
    assert client.post(f"/seguimiento/{code}/verificar/enviar").status_code == 303
    again = client.post(f"/seguimiento/{code}/verificar/enviar")
    assert again.status_code == 429
    assert "Espere un minuto" in again.get_data(as_text=True)
    count = select(func.count(Notification.id)).where(Notification.template == "access_code")
    assert demo.scalar(count) == 1
    # A day allows five codes, however long one waits between them.
    for row in demo.scalars(select(ResidentAccessCode)):
        row.created_at -= timedelta(minutes=5)
    demo.commit()
    for _ in range(4):
        assert client.post(f"/seguimiento/{code}/verificar/enviar").status_code == 303
        for row in demo.scalars(select(ResidentAccessCode)):
            row.created_at -= timedelta(minutes=5)
        demo.commit()
    sixth = client.post(f"/seguimiento/{code}/verificar/enviar")
    assert sixth.status_code == 429 and "varios códigos" in sixth.get_data(as_text=True)
    assert demo.scalar(count) == 5


def test_asking_for_codes_is_rate_limited_per_address(
    app, client, demo, waiting, admin, monkeypatch
):
    other = file_request(client, demo, email="otra@example.cl", consent="y")
    transition(demo, other, "waiting_resident", admin, body="¿Dónde?")
    demo.commit()
    monkeypatch.setitem(app.config, "ACCESS_CODE_SEND_RATE_LIMIT", "1 per hour")
    first = client.post(f"/seguimiento/{display(waiting.code)}/verificar/enviar")
    second = client.post(f"/seguimiento/{display(other.code)}/verificar/enviar")
    assert (first.status_code, second.status_code) == (303, 429)
    assert "Demasiados intentos seguidos" in second.get_data(as_text=True)


def test_a_code_withdraws_the_request(client, demo, waiting):
    prove_with_code(client, demo, waiting)
    assert client.post(f"/seguimiento/{display(waiting.code)}/retirar").status_code == 303
    closed = fresh(demo, waiting)
    assert closed.status == "closed"
    event = demo.scalar(
        select(TicketEvent)
        .where(TicketEvent.kind == "status_changed")
        .order_by(TicketEvent.id.desc())
    )
    assert event.actor_kind == "resident" and event.public
    assert event.data == {"withdrawn": True, "proof": "access_code"}


# --- the resident: SMS from the filing number -----------------------------------------------


def test_the_resident_answers_by_sms_from_the_number_that_filed(client, demo, waiting):
    reply = sms(client, "Esta frente al numero 8735 de Av. Grecia", sender=MOBILE)
    assert display(waiting.code) in reply
    assert fresh(demo, waiting).status == "in_progress"
    data = demo.scalar(
        select(TicketEvent.data).where(
            TicketEvent.kind == "comment", TicketEvent.actor_kind == "resident"
        )
    )
    assert data == {"proof": "sms"}


def test_an_sms_from_another_number_is_not_an_answer(client, demo, waiting):
    sms(client, "Frente al 8735, les escribe un vecino", sender="+56911112222")
    assert fresh(demo, waiting).status == "waiting_resident"


# --- a ticket filed with no contact ------------------------------------------------------------


def test_a_ticket_without_contact_keeps_code_only_replies(client, demo, admin):
    ticket = file_request(client, demo)
    assert ticket.contact is None
    code = display(ticket.code)
    transition(demo, ticket, "waiting_resident", admin, body=QUESTION)
    demo.commit()
    page = client.get(f"/seguimiento/{code}").get_data(as_text=True)
    assert 'name="body"' in page and "Confirmar que soy yo" not in page
    assert client.get(f"/seguimiento/{code}/verificar").status_code == 303
    answer = client.post(f"/seguimiento/{code}/responder", data={"body": "Frente al 8735"})
    assert answer.status_code == 303 and fresh(demo, ticket).status == "in_progress"
    assert client.post(f"/seguimiento/{code}/retirar").status_code == 303
    assert fresh(demo, ticket).status == "closed"


# --- the rule, in the domain ---------------------------------------------------------------


def test_the_domain_refuses_a_resident_action_without_proof(session, make_ticket, make_user):
    from app.tickets import InvalidTransition, resident_reply, withdraw
    from app.tickets.permissions import ProofRequired
    from app.tickets.proof import VIA_LINK, ResidentProof

    ticket = make_ticket(mobile=MOBILE, consent_notify=True)
    staff = Actor.staff(make_user("admin"))
    transition(session, ticket, "waiting_resident", staff, body=QUESTION)
    with pytest.raises(ProofRequired):
        resident_reply(session, ticket, "Hola", proof=None)
    with pytest.raises(ProofRequired):  # an SMS from another number proves nothing here
        resident_reply(session, ticket, "Hola", proof=ResidentProof.sms(ticket, "+56911112222"))
    with pytest.raises(ProofRequired):  # a proof for answering does not withdraw
        withdraw(session, ticket, proof=ResidentProof(ticket.code, VIA_LINK, frozenset({"reply"})))
    resident_reply(session, ticket, "Frente al 8735", proof=ResidentProof.sms(ticket, MOBILE))
    assert ticket.status == "in_progress"
    proof = ResidentProof(ticket.code, VIA_LINK, frozenset({"withdraw"}))
    withdraw(session, ticket, proof=proof)
    assert ticket.status == "closed" and ticket.sla_next_check_at is None
    with pytest.raises(InvalidTransition):
        withdraw(session, ticket, proof=proof)


def test_a_resolved_ticket_cannot_be_withdrawn(session, make_ticket, make_user):
    from app.tickets import InvalidTransition, withdraw

    ticket = make_ticket()
    transition(session, ticket, "resolved", Actor.staff(make_user("admin")), body="Listo")
    with pytest.raises(InvalidTransition):
        withdraw(session, ticket, proof=None)


def test_staff_see_how_the_resident_was_recognised(client, demo, waiting, login):
    client.get(link_in(demo, waiting, "info_requested"))
    client.post(f"/seguimiento/{display(waiting.code)}/responder", data={"body": "Frente al 8735"})
    login(demo.scalar(select(StaffUser).where(StaffUser.role == "admin")))
    page = client.get(f"/staff/tickets/{display(waiting.code)}").get_data(as_text=True)
    assert "Frente al 8735" in page and "enlace enviado a su contacto" in page


def test_an_sms_from_the_proved_mobile_of_the_ticket_s_person_is_proof(
    session, make_ticket, make_user
):
    """A request filed with an email only, joined to a person whose mobile an SMS proved."""
    from app.models import Contact
    from app.tickets import resident_reply
    from app.tickets.permissions import ProofRequired
    from app.tickets.proof import ResidentProof

    ticket = make_ticket(email=EMAIL, consent_notify=True)
    transition(session, ticket, "waiting_resident", Actor.staff(make_user("admin")), body="?")
    person = Contact(mobile=MOBILE)
    session.add(person)
    ticket.person = person
    session.flush()
    with pytest.raises(ProofRequired):  # not proved yet: a typed number proves nothing
        resident_reply(session, ticket, "Hola", proof=ResidentProof.sms(ticket, MOBILE))
    person.mobile_verified_at = utcnow()
    resident_reply(session, ticket, "Frente al 8735", proof=ResidentProof.sms(ticket, MOBILE))
    assert ticket.status == "in_progress"
