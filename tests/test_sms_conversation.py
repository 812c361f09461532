"""One scripted conversation, end to end: signed webhooks in, the outbox, a real RQ worker
process on a real Redis (one the test starts itself) and the real twilio client talking to a
fake Twilio on loopback."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select
from twilio.request_validator import RequestValidator

from app.models import Notification, SatisfactionRating, SmsSuppression, StaffUser, Ticket
from app.tickets import Actor, add_comment, transition
from app.tickets.codes import display

ROOT = Path(__file__).resolve().parent.parent
RESIDENT = "+56987654321"
sids = (f"SMconv{n:026d}" for n in itertools.count(1))


def texts(client, body, sender=RESIDENT):
    url = "http://testserver/channels/sms/inbound"
    params = {"From": sender, "To": "+56229999999", "Body": body, "MessageSid": next(sids)}
    signature = RequestValidator("test-token").compute_signature(url, params)
    response = client.post(
        "/channels/sms/inbound", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    return body.split("<Message>")[1].split("</Message>")[0] if "<Message>" in body else ""


def run_worker(database_url, redis_url, twilio) -> None:
    """A real worker process: runs what is queued in Redis, then exits (``--burst``)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SMS_BACKEND": "twilio",
        "TWILIO_API_BASE_URL": twilio.base_url,
        "TWILIO_AUTH_TOKEN": "test-token",
        "TWILIO_FROM": "+56222222222",
        "PUBLIC_BASE_URL": "http://testserver",
    }
    result = subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--burst"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_a_conversation_by_sms_from_problem_to_closed(
    app, client, demo, database_url, providers, own_redis
):
    twilio, _ = providers
    session = demo

    def deliver():
        session.commit()
        run_worker(database_url, own_redis.url, twilio)
        session.expire_all()

    # 1. A resident texts a problem and gets a code at once (TwiML, no outbound call).
    reply = texts(client, "Hay un poste de luz apagado frente al 8735 de Av. Grecia")
    ticket = session.scalar(select(Ticket))
    code = display(ticket.code)
    assert code in reply and ticket.channel == "sms"
    assert "Recibida" in texts(client, f"ESTADO {ticket.code}")

    # 2. Staff ask for the exact address: the question goes out by SMS through the worker.
    agent = session.scalar(select(StaffUser).where(StaffUser.email == "agente@demo.penalolen.cl"))
    transition(
        session,
        ticket,
        "waiting_resident",
        Actor.staff(agent),
        body="¿Nos indica el número del poste?",
    )
    deliver()
    question = twilio.bodies_to(RESIDENT)
    assert len(question) == 1 and "numero del poste" in question[0].lower()

    # 3. The resident answers; the ticket is back in progress.
    assert "vuelve a estar en proceso" in texts(client, "El poste tiene el numero 4521")
    session.expire_all()
    ticket = session.get(Ticket, ticket.id)
    assert ticket.status == "in_progress"

    # 4. Staff write to the resident by SMS from the ticket (a public reply, via the outbox).
    add_comment(session, ticket, Actor.staff(agent), "Mañana pasa la cuadrilla.")
    # 5. Resolved: the resident is told, and asked how satisfied they are.
    transition(session, ticket, "resolved", Actor.staff(agent), body="Cambiamos la luminaria.")
    deliver()
    sent = twilio.bodies_to(RESIDENT)
    assert any("cuadrilla" in body for body in sent)
    assert any("resuelta" in body.lower() for body in sent)
    assert any("ej. 5 4 5 3" in body for body in sent)
    assert "Resuelta" in texts(client, f"ESTADO {ticket.code}")

    # 6. They answer 5: the rating is stored with the channel, and the ticket closes.
    assert "gracias por evaluar" in texts(client, "5")
    rating = session.scalar(select(SatisfactionRating))
    assert (rating.rating, rating.ticket_channel) == (5, "sms")
    assert "Cerrada" in texts(client, f"ESTADO {ticket.code}")
    statuses = {n.template: n.status for n in session.scalars(select(Notification))}
    assert statuses and set(statuses.values()) == {"sent"}, statuses


def test_an_opted_out_resident_gets_nothing_and_a_21610_suppresses(
    app, client, demo, database_url, providers, own_redis
):
    twilio, _ = providers
    session = demo
    agent = session.scalar(select(StaffUser).where(StaffUser.email == "agente@demo.penalolen.cl"))

    texts(client, "Hay un poste de luz apagado frente al 8735 de Av. Grecia")
    assert "no le enviaremos mas SMS" in texts(client, "BAJA")
    ticket = session.scalar(select(Ticket))
    transition(session, ticket, "waiting_resident", Actor.staff(agent), body="¿Qué número?")
    session.commit()
    run_worker(database_url, own_redis.url, twilio)
    session.expire_all()
    assert twilio.bodies_to(RESIDENT) == []
    notification = session.scalar(select(Notification).where(Notification.recipient == RESIDENT))
    assert notification is None or notification.status == "suppressed"

    # Another resident whose number Twilio reports as unsubscribed (21610): one try, suppressed.
    other = "+56961234567"
    twilio.fail_number(other, "21610")
    texts(client, "Basura acumulada en la esquina del pasaje Los Aromos", sender=other)
    second = session.scalar(select(Ticket).where(Ticket.id != ticket.id))
    admin = session.scalar(select(StaffUser).where(StaffUser.role == "admin"))
    transition(session, second, "waiting_resident", Actor.staff(admin), body="¿Qué esquina?")
    session.commit()
    run_worker(database_url, own_redis.url, twilio)
    session.expire_all()
    failed = session.scalar(select(Notification).where(Notification.recipient == other))
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert session.get(SmsSuppression, other) is not None
