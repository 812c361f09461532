"""After resolution: the resident rates the attention once (signed link or SMS reply), which
closes the ticket; what nobody touches closes by itself after the configured days."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Notification, SatisfactionRating, TicketEvent
from app.tickets import Actor, InvalidTransition, ValidationFailed, transition
from app.tickets.housekeeping import close_stale
from app.tickets.permissions import ProofRequired
from app.tickets.survey import (
    SurveyLinkExpired,
    SurveyLinkInvalid,
    link_proof,
    make_token,
    read_token,
    record_satisfaction,
)
from tests.support import TUESDAY_10AM

EMAIL = "vecina@example.cl"


@pytest.fixture
def resolved_ticket(session, make_ticket, make_user):
    ticket = make_ticket(email=EMAIL, consent_notify=True)
    agent = Actor.staff(make_user("agent", department=ticket.department))
    transition(session, ticket, "resolved", agent, body="Reparado.", now=TUESDAY_10AM)
    return ticket


def test_the_survey_email_carries_a_signed_link_that_opens_the_form(
    app, session, client, resolved_ticket
):
    [ask] = session.scalars(select(Notification).where(Notification.template == "survey"))
    assert ask.channel == "email"
    link = next(word for word in ask.body.split() if "/encuesta/" in word)
    token = link.rsplit("/", 1)[1]
    assert read_token(token) == resolved_ticket.code
    session.commit()

    page = client.get(f"/encuesta/{token}")
    assert page.status_code == 200
    assert "cómo evaluaría la atención recibida?" in page.text
    answer = client.post(f"/encuesta/{token}", data={"rating": "4", "comment": "Rápido."})
    assert answer.status_code == 200 and "Gracias" in answer.text
    session.expire_all()
    rating = session.scalar(select(SatisfactionRating))
    assert (rating.rating, rating.comment, rating.channel, rating.ticket_channel) == (
        4,
        "Rápido.",
        "web",
        "web",
    )
    assert resolved_ticket.status == "closed"  # answering the survey closes a resolved ticket
    again = client.post(f"/encuesta/{token}", data={"rating": "1"})
    assert "Gracias" in again.text
    assert session.scalar(select(SatisfactionRating).where(SatisfactionRating.rating == 1)) is None


def tamper(token: str) -> str:
    """Change the signature's first character: its last ones may carry only padding bits, so
    changing those can leave the decoded signature as it was (a rare false pass)."""
    at = token.rindex(".") + 1
    return token[:at] + ("B" if token[at] == "A" else "A") + token[at + 1 :]


def test_a_tampered_or_expired_link_is_refused(app, client, resolved_ticket):
    token = make_token(resolved_ticket)
    with pytest.raises(SurveyLinkInvalid):
        read_token(tamper(token))
    with pytest.raises(SurveyLinkExpired):
        read_token(make_token(resolved_ticket), max_age_days=-1)
    assert client.get("/encuesta/no-es-un-token").status_code == 404


def test_a_rating_is_recorded_once_per_ticket_and_needs_proof(session, resolved_ticket):
    with pytest.raises(ProofRequired):  # the code alone does not rate a ticket with a contact
        record_satisfaction(session, resolved_ticket, 1, None, "web", proof=None)
    proof = link_proof(resolved_ticket)
    record_satisfaction(session, resolved_ticket, 5, None, "email", proof=proof)
    with pytest.raises(InvalidTransition):
        record_satisfaction(session, resolved_ticket, 3, None, "email", proof=proof)
    with pytest.raises(ValidationFailed):
        record_satisfaction(session, resolved_ticket, 6, None, "email", proof=proof)
    kinds = [e.kind for e in session.scalars(select(TicketEvent).order_by(TicketEvent.id))]
    assert kinds[-2:] == ["survey", "status_changed"]


def test_an_open_ticket_cannot_be_rated(session, make_ticket):
    with pytest.raises(InvalidTransition):
        record_satisfaction(session, make_ticket(), 5, None, "web", proof=None)


def test_resolved_tickets_close_after_seven_days(session, resolved_ticket):
    assert close_stale(session, TUESDAY_10AM + timedelta(days=6, hours=23)).resolved == 0
    assert close_stale(session, TUESDAY_10AM + timedelta(days=7)).resolved == 1
    assert resolved_ticket.status == "closed"


def test_unanswered_questions_close_after_fifteen_days_with_a_public_note(
    session, make_ticket, make_user
):
    ticket = make_ticket()
    agent = Actor.staff(make_user("agent", department=ticket.department))
    transition(session, ticket, "waiting_resident", agent, body="¿Dónde?", now=TUESDAY_10AM)
    assert close_stale(session, TUESDAY_10AM + timedelta(days=14)).unanswered == 0
    closed = close_stale(session, TUESDAY_10AM + timedelta(days=15), waiting_days=15)
    assert closed.unanswered == 1 and ticket.status == "closed"
    last = session.scalars(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id)
        .order_by(TicketEvent.id.desc())
    ).first()
    assert last.public and "no recibimos respuesta en 15 días" in last.body
