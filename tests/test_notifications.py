"""What residents and staff are told, through which channel, and that each message reaches the
(fake) provider exactly once: real rows, the real twilio client and smtplib, fake servers."""

import logging
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.delivery.state import for_ticket, record_provider_status, retry_notification
from app.models import Notification, SmsSuppression
from app.notices import sms_text
from app.tickets import Actor, InvalidTransition, add_comment, assign, mark_duplicate, transition
from app.tickets.codes import display
from tests.support import TUESDAY_10AM
from workers.jobs import deliver_notification

MOBILE = "+56991234567"
EMAIL = "vecina@example.cl"


def deliver_pending(session) -> None:
    """What a worker does with the queue: deliver every due pending row (a no-op for rows the
    in-process jobs already delivered at commit)."""
    session.commit()
    for _ in range(100):
        ids = session.scalars(select(Notification.id).where(Notification.status == "pending")).all()
        if not ids:
            return
        for notification_id in ids:
            deliver_notification(notification_id)
        session.expire_all()
        time.sleep(0.02)  # retries wait out their (short, in tests) backoff


def rows(session, template=None):
    query = select(Notification).order_by(Notification.id)
    if template:
        query = query.where(Notification.template == template)
    session.expire_all()
    return session.scalars(query).all()


@pytest.fixture
def agent_for(make_user):
    def make(ticket, role="agent"):
        return Actor.staff(make_user(role, department=ticket.department))

    return make


def test_a_web_request_with_an_email_gets_a_receipt_in_text_and_html(
    session, make_ticket, providers
):
    _, smtp = providers
    ticket = make_ticket(email=EMAIL, consent_notify=True)
    deliver_pending(session)

    [mail] = smtp.to(EMAIL)
    assert display(ticket.code) in mail["Subject"]
    text, html = (
        part.get_payload(decode=True).decode() for part in mail.walk() if not part.is_multipart()
    )
    link = f"http://testserver/seguimiento/{ticket.code}"
    assert link in text and link in html
    [row] = rows(session)
    assert (row.template, row.status, row.channel) == ("received", "sent", "email")
    assert row.provider_id == mail["Message-ID"]


def test_no_consent_no_messages(session, make_ticket, agent_for, providers):
    ticket = make_ticket(email=EMAIL, mobile=MOBILE, consent_notify=False)
    transition(session, ticket, "resolved", agent_for(ticket), body="Cambiamos la ampolleta.")
    deliver_pending(session)
    assert rows(session) == []


def test_asking_the_resident_for_details_texts_them_within_two_segments(
    session, make_ticket, agent_for, providers, caplog
):
    caplog.set_level(logging.DEBUG, logger="twilio")
    caplog.set_level(logging.INFO)
    twilio, _ = providers
    ticket = make_ticket(mobile=MOBILE, email=EMAIL, consent_notify=True)
    question = "¿En qué dirección exacta está el poste? Indique un número de casa cercano."
    transition(session, ticket, "waiting_resident", agent_for(ticket), body=question)
    deliver_pending(session)

    [message] = twilio.messages
    assert message["To"] == MOBILE
    assert message["MessagingServiceSid"].startswith("MG")
    assert message["StatusCallback"] == "http://testserver/channels/sms/status"
    assert "¿En qué direccion exacta esta el poste?" in message["Body"]
    assert "Indique un numero de casa cercano. Responda a este mensaje" in message["Body"]
    # The link is the resident's own: signed for this ticket, to answer (app/tickets/proof.py).
    assert "http://testserver/a/" in message["Body"]
    assert sms_text.segments(message["Body"]) <= 2
    # The twilio client's own INFO lines would carry the number and the text: kept out.
    assert not [r for r in caplog.records if r.name.startswith("twilio") and r.levelno < 30]
    [row] = rows(session, "info_requested")
    assert row.status == "sent" and row.provider_id == message["sid"]
    # The web receipt went by email (SMS residents get their code in the SMS reply instead).
    assert [r.channel for r in rows(session, "received")] == ["email"]


def test_resolution_tells_the_resident_and_asks_for_the_survey_once(
    session, make_ticket, agent_for, providers
):
    twilio, _ = providers
    ticket = make_ticket(channel="sms", mobile=MOBILE, source_ref="SM1")
    agent = agent_for(ticket)
    transition(session, ticket, "resolved", agent, body="Reparamos la luminaria.")
    transition(session, ticket, "in_progress", agent)  # reopened
    transition(session, ticket, "resolved", agent, body="Ahora sí quedó reparada.")
    deliver_pending(session)

    bodies = twilio.bodies_to(MOBILE)
    assert sum("fue resuelta" in body for body in bodies) == 2
    assert sum("ej. 5 4 5 3" in body for body in bodies) == 1
    assert [r.template for r in rows(session)] == ["resolved", "survey", "resolved"]


def test_public_replies_rejections_and_duplicates_reach_the_resident(
    session, make_ticket, agent_for, providers
):
    _, smtp = providers
    first = make_ticket(email=EMAIL, consent_notify=True)
    agent = agent_for(first)
    add_comment(session, first, agent, "Programamos la visita para el jueves.")
    add_comment(session, first, agent, "Nota interna: llevar escalera.", public=False)
    second = make_ticket(first.category, email="otro@example.cl", consent_notify=True)
    mark_duplicate(session, second, first, agent)
    third = make_ticket(first.category, email="tercero@example.cl", consent_notify=True)
    transition(session, third, "rejected", agent, body="Es un poste de la empresa eléctrica.")
    deliver_pending(session)

    assert [r.template for r in rows(session) if r.recipient == EMAIL] == [
        "received",
        "public_reply",
    ]
    [duplicate] = rows(session, "duplicate")
    # The original's code is the other resident's secret: never in this resident's message.
    assert display(second.code) in duplicate.body
    assert display(first.code) not in duplicate.body and first.code not in duplicate.body
    [rejected] = rows(session, "rejected")
    assert "empresa eléctrica" in rejected.body
    assert len(smtp.messages) == 6  # three receipts, the reply, the duplicate, the rejection


def test_staff_hear_of_an_assignment_but_not_when_they_take_it(
    session, make_ticket, make_user, providers
):
    _, smtp = providers
    ticket = make_ticket()
    head = Actor.staff(make_user("head", department=ticket.department))
    agent = make_user("agent", department=ticket.department)
    assign(session, ticket, agent, head)
    assign(session, ticket, head.user, head)  # the head takes it: nobody to tell
    deliver_pending(session)

    [mail] = smtp.messages
    assert mail["To"] == agent.email
    assert display(ticket.code) in mail["Subject"]
    [row] = rows(session)
    assert row.recipient_staff_id == agent.id


def test_a_suppressed_number_gets_email_instead(session, make_ticket, agent_for, providers):
    twilio, smtp = providers
    session.add(SmsSuppression(mobile=MOBILE, reason="baja"))
    ticket = make_ticket(channel="sms", mobile=MOBILE, email=EMAIL, consent_notify=True)
    transition(session, ticket, "rejected", agent_for(ticket), body="No es municipal.")
    deliver_pending(session)
    assert twilio.messages == []
    assert [m["To"] for m in smtp.messages] == [EMAIL]


def test_an_opted_out_number_fails_at_once_and_is_suppressed(
    session, make_ticket, agent_for, providers
):
    twilio, _ = providers
    twilio.fail_number(MOBILE, "21610")
    ticket = make_ticket(channel="sms", mobile=MOBILE)
    transition(session, ticket, "rejected", agent_for(ticket), body="No es municipal.")
    deliver_pending(session)

    [row] = rows(session)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "21610" in row.last_error
    assert twilio.requests == 1  # never retried
    assert session.get(SmsSuppression, MOBILE) is not None


def test_an_invalid_number_fails_at_once(session, make_ticket, agent_for, providers):
    twilio, _ = providers
    twilio.fail_number(MOBILE, "21211")
    ticket = make_ticket(channel="sms", mobile=MOBILE)
    transition(session, ticket, "rejected", agent_for(ticket), body="No es municipal.")
    deliver_pending(session)
    [row] = rows(session)
    assert (row.status, row.attempts, twilio.requests) == ("failed", 1, 1)
    assert session.get(SmsSuppression, MOBILE) is None


def test_a_provider_error_is_retried_until_sent(session, make_ticket, agent_for, providers):
    twilio, _ = providers
    twilio.fail_with("500", every=1)
    ticket = make_ticket(channel="sms", mobile=MOBILE)
    transition(session, ticket, "rejected", agent_for(ticket), body="No es municipal.")
    session.commit()
    [row] = rows(session)
    deliver_notification(row.id)  # no-op if the in-process job already tried
    session.expire_all()
    assert row.status == "pending" and row.attempts >= 1 and "500" in row.last_error
    twilio.fail_with(None)
    deliver_pending(session)
    assert row.status == "sent"
    assert len(twilio.messages) == 1


def test_retries_stop_at_the_limit(app, session, make_ticket, agent_for, providers):
    twilio, _ = providers
    twilio.fail_with("500")
    app.config["NOTIFY_MAX_ATTEMPTS"] = 3
    try:
        ticket = make_ticket(channel="sms", mobile=MOBILE)
        transition(session, ticket, "rejected", agent_for(ticket), body="No es municipal.")
        deliver_pending(session)
    finally:
        app.config["NOTIFY_MAX_ATTEMPTS"] = 6
    [row] = rows(session)
    assert (row.status, row.attempts) == ("failed", 3)


def test_a_row_is_delivered_once_however_often_its_job_runs(
    session, make_ticket, agent_for, providers
):
    twilio, _ = providers
    ticket = make_ticket(channel="sms", mobile=MOBILE)
    transition(session, ticket, "rejected", agent_for(ticket), body="No es municipal.")
    deliver_pending(session)
    [row] = rows(session)
    assert deliver_notification(row.id) == "skipped"
    assert len(twilio.messages) == 1


def test_notifications_are_not_delivered_before_their_time(session, make_ticket, providers):
    make_ticket(email=EMAIL, consent_notify=True)
    session.flush()
    [row] = rows(session)
    row.next_attempt_at = TUESDAY_10AM + timedelta(days=3650)
    session.commit()
    assert deliver_notification(row.id) == "skipped"


def test_provider_status_only_moves_forward(session, make_ticket, agent_for, providers):
    ticket = make_ticket(channel="sms", mobile=MOBILE)
    transition(session, ticket, "rejected", agent_for(ticket), body="No es municipal.")
    deliver_pending(session)
    [row] = rows(session)
    record_provider_status(session, row.provider_id, "delivered")
    record_provider_status(session, row.provider_id, "sent")  # late, out of order
    assert (row.status, row.provider_status) == ("delivered", "delivered")


def test_staff_retry_a_failed_notification(session, make_ticket, agent_for, providers):
    twilio, _ = providers
    twilio.fail_number(MOBILE, "21211")
    ticket = make_ticket(channel="sms", mobile=MOBILE)
    agent = agent_for(ticket)
    transition(session, ticket, "rejected", agent, body="No es municipal.")
    deliver_pending(session)
    [failed] = rows(session)
    assert failed.status == "failed"

    twilio.fail_number(MOBILE, None)  # the operator fixed the line
    retry = retry_notification(session, failed.id, agent)
    deliver_pending(session)
    listed = for_ticket(session, ticket.id)
    assert [(r.id, r.status) for r in listed] == [(failed.id, "failed"), (retry.id, "sent")]
    assert len(twilio.messages) == 1
    assert ticket.events[-1].kind == "notification"


def test_staff_cannot_retry_what_did_not_fail_or_an_opted_out_number(
    session, make_ticket, agent_for, providers
):
    twilio, _ = providers
    ticket = make_ticket(channel="sms", mobile=MOBILE)
    agent = agent_for(ticket)
    transition(session, ticket, "rejected", agent, body="No es municipal.")
    deliver_pending(session)
    [sent] = rows(session)
    with pytest.raises(InvalidTransition):
        retry_notification(session, sent.id, agent)

    other = make_ticket(ticket.category, channel="sms", mobile="+56998765432")
    twilio.fail_number("+56998765432", "21610")
    transition(session, other, "rejected", agent, body="No es municipal.")
    deliver_pending(session)
    [opted_out] = [r for r in rows(session) if r.ticket_id == other.id]
    with pytest.raises(InvalidTransition, match="pidió no recibir"):
        retry_notification(session, opted_out.id, agent)


def test_a_web_resident_is_asked_for_the_survey_by_email_with_a_link(
    session, make_ticket, agent_for, providers
):
    twilio, smtp = providers
    ticket = make_ticket(mobile=MOBILE, email=EMAIL, consent_notify=True)
    transition(session, ticket, "resolved", agent_for(ticket), body="Listo.")
    deliver_pending(session)
    assert [r.channel for r in rows(session, "resolved")] == ["sms"]
    [survey] = rows(session, "survey")
    assert survey.channel == "email" and "http://testserver/encuesta/" in survey.body
