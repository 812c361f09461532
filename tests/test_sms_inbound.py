"""Residents text the municipality: file, follow and answer requests by SMS (Twilio webhook)."""

import itertools

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from app.models import (
    Category,
    Contact,
    ContactChange,
    InboundSms,
    SmsSuppression,
    StaffUser,
    Ticket,
)
from app.tickets import Actor, transition
from app.tickets.codes import display

URL = "http://testserver/channels/sms/inbound"
SENDER = "+56987654321"
sids = (f"SM{n:032d}" for n in itertools.count(1))


def text(client, body, sender=SENDER, sid=None, **extra):
    params = {
        "From": sender,
        "To": "+56229999999",
        "Body": body,
        "MessageSid": sid or next(sids),
        **extra,
    }
    signature = RequestValidator("test-auth-token").compute_signature(URL, params)
    response = client.post(
        "/channels/sms/inbound", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/xml"
    body = response.get_data(as_text=True)
    return body.split("<Message>")[1].split("</Message>")[0] if "<Message>" in body else ""


def test_a_resident_texts_a_problem_and_gets_a_code(client, demo):
    reply = text(client, "Hay un poste de luz apagado en Av. Grecia 8735 hace una semana")
    ticket = demo.scalar(select(Ticket))
    assert ticket.channel == "sms" and ticket.category.code == "luminaria"
    assert ticket.contact.mobile == SENDER
    assert display(ticket.code) in reply and f"ESTADO {ticket.code}" in reply
    assert f"http://testserver/s/{display(ticket.code)}" in reply
    assert client.get(f"/s/{display(ticket.code)}").status_code == 301


def test_an_unclassified_text_goes_to_triage(client, demo):
    text(client, "Necesito hablar con alguien por un tema de mi pasaje por favor")
    assert demo.scalar(select(Ticket)).category.is_triage


def test_without_a_triage_topic_an_unclassified_text_still_becomes_a_ticket(client, demo):
    for category in demo.scalars(select(Category).where(Category.is_triage.is_(True))):
        category.active = False
    demo.commit()
    reply = text(client, "Necesito hablar con alguien por un tema de mi pasaje por favor")
    ticket = demo.scalar(select(Ticket))
    assert ticket is not None and display(ticket.code) in reply


def test_with_no_topic_open_at_all_the_text_is_kept_and_the_sender_told(client, demo):
    for category in demo.scalars(select(Category)):
        category.active = False
    demo.commit()
    reply = text(client, "Hay un poste de luz apagado en Av. Grecia 8735 hace una semana")
    assert "recibimos su mensaje" in reply
    assert demo.scalar(select(func.count(Ticket.id))) == 0
    kept = demo.scalar(select(InboundSms))
    assert kept is not None and "poste de luz" in (kept.body or "")


@pytest.mark.parametrize("body", ["hola", "Buenas tardes", "ok gracias", "x"])
def test_a_message_too_short_asks_what_and_where(client, demo, body):
    assert "que pasa y donde" in text(client, body)
    assert demo.scalar(select(func.count(Ticket.id))) == 0


def test_a_bad_signature_is_refused_and_changes_nothing(client, demo):
    params = {"From": SENDER, "Body": "Poste apagado en mi pasaje hace dias", "MessageSid": "SMbad"}
    forged = client.post("/channels/sms/inbound", data=params, headers={"X-Twilio-Signature": "x"})
    unsigned = client.post("/channels/sms/inbound", data=params)
    signature = RequestValidator("test-auth-token").compute_signature(URL, params)
    other_host = client.post(
        "/channels/sms/inbound",
        data=params,
        base_url="http://evil.example",
        headers={
            "X-Twilio-Signature": RequestValidator("test-auth-token").compute_signature(
                "http://evil.example/channels/sms/inbound", params
            )
        },
    )
    assert (forged.status_code, unsigned.status_code, other_host.status_code) == (403, 403, 403)
    assert demo.scalar(select(func.count(Ticket.id))) == 0
    assert signature  # the right signature for the configured URL is different from the others


def test_twilios_retry_of_the_same_message_creates_nothing_new(client, demo):
    first = text(client, "Bache enorme en la calzada de Los Presidentes 200", sid="SMsame")
    again = text(client, "Bache enorme en la calzada de Los Presidentes 200", sid="SMsame")
    assert first == again
    assert demo.scalar(select(func.count(Ticket.id))) == 1
    assert demo.scalar(select(func.count(InboundSms.id))) == 1


def test_a_retry_after_the_ticket_moved_on_still_gets_the_first_answer(client, demo):
    """The MessageSid is not looked up first: a retry runs again, its work is rolled back when
    the log refuses the repeat, and the answer is the one stored — even when the message,
    run again, would now answer a question instead of filing a ticket."""
    body = "Bache enorme en la calzada de Los Presidentes 200"
    first = text(client, body, sid="SMmoved")
    ticket = demo.scalar(select(Ticket))
    agent = demo.scalar(select(StaffUser).where(StaffUser.email == "agente@demo.penalolen.cl"))
    transition(demo, ticket, "waiting_resident", Actor.staff(agent), body="¿Qué número?")
    demo.commit()
    events = len(ticket.events)
    again = text(client, body, sid="SMmoved")
    demo.expire_all()
    assert again == first and display(ticket.code) in again
    assert demo.get(Ticket, ticket.id).status == "waiting_resident"  # not answered by the retry
    assert len(demo.get(Ticket, ticket.id).events) == events
    assert demo.scalar(select(func.count(Ticket.id))) == 1
    assert demo.scalar(select(func.count(InboundSms.id))) == 1
    assert demo.scalar(select(func.count(ContactChange.id))) == 1  # the person created once


def test_a_retry_refused_when_run_again_still_gets_the_first_answer(client, demo, monkeypatch):
    from app.tickets import ValidationFailed
    from channels.sms import inbound

    body = "Bache enorme en la calzada de Los Presidentes 200"
    first = text(client, body, sid="SMrefused")

    def refuse(*args, **kwargs):
        raise ValidationFailed()

    monkeypatch.setattr(inbound, "respond", refuse)
    assert text(client, body, sid="SMrefused") == first
    assert demo.scalar(select(func.count(InboundSms.id))) == 1


def test_answering_a_question_sent_to_a_typed_number_creates_no_person(client, demo, make_ticket):
    """The waiting-ticket read and the sender's person are one statement on Postgres: the
    person is found or created only when no ticket waits for the text (a number typed on a
    form proves nothing, and answering a question sent to it files nothing)."""
    category = demo.scalar(select(Category).where(Category.code == "luminaria"))
    ticket = make_ticket(category, mobile=SENDER, consent_notify=True)
    agent = demo.scalar(select(StaffUser).where(StaffUser.email == "agente@demo.penalolen.cl"))
    transition(demo, ticket, "waiting_resident", Actor.staff(agent), body="¿Qué número?")
    demo.commit()
    assert "vuelve a estar en proceso" in text(client, "Frente al número 4521")
    demo.expire_all()
    assert demo.get(Ticket, ticket.id).status == "in_progress"
    assert demo.scalar(select(func.count(Ticket.id))) == 1
    assert demo.scalar(select(func.count(Contact.id))) == 0
    assert demo.scalar(select(func.count(ContactChange.id))) == 0
    # A text once nothing waits files a ticket, joined to the person it creates.
    text(client, "Ahora hay basura acumulada en la esquina de mi pasaje")
    person = demo.scalar(select(Contact).where(Contact.mobile == SENDER))
    assert person is not None and person.mobile_verified_at is not None
    filed = demo.scalar(select(Ticket).order_by(Ticket.id.desc()))
    assert filed.person_id == person.id
    [created] = demo.scalars(select(ContactChange)).all()  # written with the ticket's counters
    assert (created.contact_id, created.ticket_id) == (person.id, filed.id)
    assert (created.action, created.source, created.actor_kind) == ("created", "sms", "resident")
    assert created.changes == {"name": [None, None], "mobile": [None, SENDER]}


def test_status_by_code_is_tolerant_and_tells_typos_apart(client, demo):
    text(client, "Hay un poste de luz apagado en Av. Grecia 8735")
    ticket = demo.scalar(select(Ticket))
    reply = text(client, f"estado {ticket.code.lower()}")
    assert "Recibida" in reply and "Fecha estimada" in reply
    assert "Recibida" in text(client, f"ESTADO {display(ticket.code)}")
    assert "Recibida" in text(client, f"Status {ticket.code}")
    typo = ticket.code[:-1] + ("A" if ticket.code[-1] != "A" else "B")
    assert "error de tipeo" in text(client, f"ESTADO {typo}")
    from app.tickets import codes

    unknown = codes.generate()
    assert "No encontramos" in text(client, f"ESTADO {unknown}")


def test_estado_alone_lists_the_senders_open_tickets(client, demo):
    text(client, "Hay un poste de luz apagado en Av. Grecia 8735")
    text(client, "Basura acumulada en la esquina de mi pasaje", sender="+56961234567")
    codes = [display(t.code) for t in demo.scalars(select(Ticket).order_by(Ticket.id))]
    reply = text(client, "Estado")
    assert codes[0] in reply and codes[1] not in reply
    assert "No tiene solicitudes abiertas" in text(client, "ESTADO", sender="+56999888777")


@pytest.mark.parametrize(
    ("out", "back"), [("BAJA", "ALTA"), ("stop", "start"), ("Cancelar", "INICIO")]
)
def test_opt_out_and_back_in(client, demo, out, back):
    assert "no le enviaremos mas SMS" in text(client, out)
    assert demo.get(SmsSuppression, SENDER) is not None
    assert "volvera a recibir SMS" in text(client, back)
    demo.expire_all()
    assert demo.get(SmsSuppression, SENDER) is None


def test_twilios_opt_out_type_is_honoured(client, demo):
    text(client, "Quiero dejar de recibir mensajes", OptOutType="STOP")
    assert demo.get(SmsSuppression, SENDER) is not None
    assert demo.scalar(select(func.count(Ticket.id))) == 0


def test_help(client, demo):
    assert "ESTADO y el numero" in text(client, "ayuda") == text(client, "HELP")


def test_an_answer_while_a_ticket_waits_returns_it_to_work(client, demo):
    text(client, "Hay un poste de luz apagado en mi pasaje")
    ticket = demo.scalar(select(Ticket))
    admin = demo.scalar(select(StaffUser).where(StaffUser.role == "admin"))
    transition(demo, ticket, "waiting_resident", Actor.staff(admin), body="¿En qué número de casa?")
    demo.commit()
    reply = text(client, "Frente al 1234, al lado de la sede")
    demo.expire_all()
    ticket = demo.get(Ticket, ticket.id)
    assert ticket.status == "in_progress" and "vuelve a estar en proceso" in reply
    assert ticket.events[-2].body == "Frente al 1234, al lado de la sede"
    assert demo.scalar(select(func.count(Ticket.id))) == 1


def test_mms_photos_are_kept(client, demo):
    text(
        client,
        "Microbasural con escombros en el sitio eriazo",
        NumMedia="2",
        MediaUrl0="https://api.twilio.com/media/1",
        MediaUrl1="https://api.twilio.com/media/2",
    )
    assert demo.scalar(select(Ticket)).media_urls == [
        "https://api.twilio.com/media/1",
        "https://api.twilio.com/media/2",
    ]


def test_the_simulator_goes_through_the_real_signed_webhook(app, demo):
    result = app.test_cli_runner().invoke(
        args=["sms-simulate", "+56961234567", "Semaforo apagado en Grecia con Tobalaba desde hoy"]
    )
    assert result.exit_code == 0, result.output
    ticket = demo.scalar(select(Ticket))
    assert display(ticket.code) in result.output and ticket.category.code == "semaforo"


def test_every_reply_fits_two_segments_with_worst_case_values(app, demo):
    from datetime import UTC, datetime

    from app.notices.sms_text import segments
    from channels.sms import replies

    code = "ZZZZZZZZZ"
    longest_label = "Esperando respuesta del vecino"
    due = datetime(2026, 12, 31, 12, tzinfo=UTC)
    with app.test_request_context():
        app.config["PUBLIC_BASE_URL"] = "https://conectados.penalolen.cl"
        try:
            texts = [
                replies.received(code, "Acceso a la información (Ley 20.285) ÁÉÍÓÚ" * 3, due),
                replies.status(code, longest_label, due, late=False),
                replies.status(code, longest_label, due, late=True),
                replies.mistyped("X" * 200),
                replies.not_found("Ü" * 200),
                replies.my_tickets([(code, longest_label)] * 9),
                replies.opted_out(),
                replies.opted_in(),
                replies.help_text(),
                replies.too_short(),
                replies.reply_added(code),
                replies.closed_ticket(code),
                replies.thanks_for_rating(5),
            ]
        finally:
            app.config["PUBLIC_BASE_URL"] = "http://testserver"
    for text in texts:
        assert segments(text) <= 2, text


def test_a_satisfaction_rating_by_sms(client, demo, app):
    from app.models import Notification, SatisfactionRating, utcnow
    from app.notices.outbox import request_survey

    text(client, "Hay un poste de luz apagado en mi pasaje")
    ticket = demo.scalar(select(Ticket))
    admin = demo.scalar(select(StaffUser).where(StaffUser.role == "admin"))
    transition(demo, ticket, "resolved", Actor.staff(admin), body="Reparado")
    with app.test_request_context():
        request_survey(demo, ticket, utcnow())
    demo.commit()
    survey = demo.scalar(select(Notification).where(Notification.template == "survey"))
    assert survey.channel == "sms" and survey.recipient == SENDER
    assert "gracias por evaluar" in text(client, "5")
    rating = demo.scalar(select(SatisfactionRating))
    assert (rating.rating, rating.channel, rating.ticket_channel) == (5, "sms", "sms")
    demo.expire_all()
    assert demo.get(Ticket, ticket.id).status == "closed"
    # No survey pending any more: a lone digit is not a request.
    assert "que pasa y donde" in text(client, "4")


def test_status_callbacks_move_forward_and_21610_suppresses(client, demo):
    from app.models import Notification

    text(client, "Hay un poste de luz apagado en mi pasaje")
    ticket = demo.scalar(select(Ticket))
    demo.add(
        Notification(
            ticket_id=ticket.id,
            channel="sms",
            recipient=SENDER,
            template="x",
            body="hola",
            status="sent",
            provider_id="SMout1",
            provider_status="sent",
        )
    )
    demo.commit()
    url = "http://testserver/channels/sms/status"

    def callback(**params):
        params = {"MessageSid": "SMout1", "To": SENDER, **params}
        signature = RequestValidator("test-auth-token").compute_signature(url, params)
        return client.post(
            "/channels/sms/status", data=params, headers={"X-Twilio-Signature": signature}
        )

    assert client.post("/channels/sms/status", data={"MessageSid": "SMout1"}).status_code == 403
    assert callback(MessageStatus="delivered").status_code == 204
    assert callback(MessageStatus="sent").status_code == 204  # late: never overwrites
    demo.expire_all()
    notification = demo.scalar(select(Notification))
    assert (notification.status, notification.provider_status) == ("delivered", "delivered")
    callback(MessageStatus="failed", ErrorCode="21610")
    assert demo.get(SmsSuppression, SENDER) is not None
