"""Anonymizing a person (issue 15, item 4): their identifiers and their words are replaced
everywhere, as a recorded redaction; tickets and figures stay, so the head's dashboard and
/transparencia read the same before and after; only admins and the privacy officer may, with
a reason and a typed confirmation."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import JSON, String, Text, func, select

from app.models import (
    REDACTED,
    AccessLogEntry,
    AppendOnlyError,
    Base,
    Contact,
    ContactChange,
    InboundSms,
    Notification,
    Redaction,
    SatisfactionRating,
    Ticket,
    TicketEvent,
)
from app.privacy.anonymize import anonymize_person
from app.tickets import SYSTEM, Actor, TicketIntake, open_ticket, resident_reply, transition
from app.tickets.people import PersonEdit, edit_person
from app.tickets.proof import ResidentProof
from app.tickets.survey import record_satisfaction
from tests.dashboard_fixture import build, local

NOVEMBER = {"desde": "2026-11-01", "hasta": "2026-11-30"}
# What the person gave and wrote: none of it may survive anywhere in the database.
NAME = "Violeta Parra Sandoval"
RUT = "123456785"
MOBILE = "+56987650001"
EMAIL = "violeta.parra@example.cl"
DESCRIPTION = "Luminaria apagada frente a mi casa, la reja verde"
ADDRESS_NUMBER = "Los Aromos 1234"
EXACT_LAT, EXACT_LON = -33.4871234, -70.5412345
REPLY = "Sigue apagada y mi hija vuelve tarde del liceo"
SURVEY = "Gracias don Pedro por venir tan rápido"
SMS_BODY = "Poste apagado en Los Aromos 1234 desde el lunes"
PLANTED = (NAME, RUT, MOBILE, EMAIL, DESCRIPTION, ADDRESS_NUMBER, REPLY, SURVEY, SMS_BODY)
PLANTED += ("4871234", "5412345")  # the exact coordinates' digits


@pytest.fixture
def desk(session, make_department, make_category, make_ticket):
    found = build(session, make_department, make_category, make_ticket)
    session.commit()
    return found


def plant_person(session, desk, make_user) -> Contact:
    """A person texts a request (the number is proved: a person record), replies, answers the
    survey; counter staff record their name and RUT; they also filed on the web with the same
    number (not joined: typed details join nobody)."""
    created = local(11, 20)
    texted = open_ticket(
        session,
        TicketIntake(
            channel="sms",
            category_id=desk.luminaria.id,
            description=DESCRIPTION,
            address=f"{ADDRESS_NUMBER}, Peñalolén",
            lat=EXACT_LAT,
            lon=EXACT_LON,
            mobile=MOBILE,
            source_ref="SMplanted0001",
        ),
        now=created,
    )
    session.add(
        InboundSms(
            message_sid="SMplanted0001",
            sender=MOBILE,
            body=SMS_BODY,
            intent="new",
            reply="Recibimos su solicitud",
            ticket_id=texted.id,
            created_at=created,
        )
    )
    proof = ResidentProof.sms(texted, MOBILE)
    resident_reply(session, texted, REPLY, proof=proof, now=local(11, 20, 11))
    transition(session, texted, "resolved", SYSTEM, now=local(11, 23))
    record_satisfaction(session, texted, 5, SURVEY, "sms", proof=proof, now=local(11, 23, 12))
    person = texted.person
    counter = make_user("counter")
    edit_person(
        session,
        person,
        Actor.staff(counter),
        PersonEdit(reason="Vino al mesón", name=NAME, rut=RUT),
    )
    open_ticket(
        session,
        TicketIntake(
            channel="web",
            category_id=desk.luminaria.id,
            description=DESCRIPTION,
            address=ADDRESS_NUMBER,
            name=NAME,
            email=EMAIL,
            mobile=MOBILE,
            consent_notify=True,
        ),
        now=local(11, 21),
    )
    session.commit()
    return person


def text_columns():
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, String | Text | JSON):
                yield table, column


def leftovers(session) -> list[str]:
    """Every (table.column, planted value) still found in the database."""
    found = []
    for table, column in text_columns():
        for value in session.execute(select(column).where(column.is_not(None))).scalars():
            for planted in PLANTED:
                if planted.lower() in str(value).lower():
                    found.append(f"{table.name}.{column.name}: {planted}")
    return sorted(set(found))


def transparency(client) -> str:
    """The page's content (the header differs with who is logged in)."""
    html = client.get("/transparencia").get_data(as_text=True)
    return html[html.index("<main") : html.index("</main>")]


def dashboard(client, login, user) -> bytes:
    login(user)
    return client.get("/staff/dashboard.csv", query_string=NOVEMBER).get_data()


def test_anonymizing_keeps_dashboards_and_transparency_identical(
    client, session, login, make_user, desk
):
    person = plant_person(session, desk, make_user)
    assert leftovers(session)  # the scan does find the planted data
    head, admin = make_user("head", department=desk.dop), make_user("admin")
    before = (
        dashboard(client, login, head),
        dashboard(client, login, admin),
        transparency(client),
    )
    login(make_user("privacy"))
    response = client.post(
        f"/staff/personas/{person.id}/anonimizar",
        data={"reason": "Solicitud de supresión acogida", "confirmation": "anonimizar"},
    )
    assert response.status_code == 303
    assert "fue anonimizada" in client.get(response.location).get_data(as_text=True)
    after = (
        dashboard(client, login, head),
        dashboard(client, login, admin),
        transparency(client),
    )
    assert b"recibidas" in before[0] and "<table" in before[2]
    assert before == after
    session.expire_all()
    assert leftovers(session) == []
    # The tickets are still there, with their facts.
    tickets = session.scalars(select(Ticket).where(Ticket.description == REDACTED)).all()
    assert len(tickets) == 2 and {t.status for t in tickets} == {"closed", "new"}
    assert all(t.anonymized_at is not None for t in tickets)
    texted = next(t for t in tickets if t.channel == "sms")
    assert texted.address == "Los Aromos" and texted.lat == pytest.approx(-33.487)
    rating = session.scalar(
        select(SatisfactionRating).where(SatisfactionRating.ticket_id == texted.id)
    )
    assert rating.rating == 5 and rating.comment == REDACTED


def test_the_redaction_is_recorded_and_history_stays_append_only(
    client, session, login, make_user, desk
):
    person = plant_person(session, desk, make_user)
    officer = make_user("privacy")
    redaction = anonymize_person(session, person, Actor.staff(officer), "Supresión N° 12")
    session.commit()
    assert redaction.actor_id == officer.id and redaction.reason == "Supresión N° 12"
    assert redaction.person_id == person.id and redaction.scope == "person"
    assert redaction.counts["ticket_events"] == 2  # the reply and the survey comment
    assert redaction.counts["tickets"] == 2 and redaction.counts["inbound_sms"] == 1
    assert redaction.counts["notifications"] >= 1
    events = session.scalars(select(TicketEvent).where(TicketEvent.redaction_id.is_not(None)))
    assert {(e.kind, e.body) for e in events} == {("comment", REDACTED), ("survey", REDACTED)}
    person = session.get(Contact, person.id)
    assert (person.name, person.rut, person.mobile, person.email) == (REDACTED, None, None, None)
    assert person.anonymized_at is not None
    change = session.scalar(select(ContactChange).where(ContactChange.action == "anonymized"))
    assert change.reason == "Supresión N° 12" and change.actor_id == officer.id
    trail = session.scalar(select(AccessLogEntry).where(AccessLogEntry.kind == "person_anonymized"))
    assert trail.person_id == person.id and trail.actor_id == officer.id
    assert trail.detail["redaction"] == redaction.id

    # Ordinary changes of history rows are still refused, redacted or not.
    event = session.scalars(select(TicketEvent).order_by(TicketEvent.id)).first()
    event.body = "otro texto"
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()
    redacted = session.scalar(select(TicketEvent).where(TicketEvent.redaction_id.is_not(None)))
    redacted.body = "de vuelta"  # a redaction is not undone
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()
    other = session.scalar(select(TicketEvent).where(TicketEvent.redaction_id.is_(None)))
    other.body, other.redaction_id = REDACTED, redaction.id
    other.public = not other.public  # a redaction changes the text and nothing else
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()
    with pytest.raises(AppendOnlyError):
        session.delete(session.scalar(select(TicketEvent)))
        session.flush()
    session.rollback()
    with pytest.raises(AppendOnlyError):
        session.delete(session.get(Redaction, redaction.id))
        session.flush()
    session.rollback()
    # The staff pages still open the anonymized tickets and the person.
    login(make_user("admin"))
    assert client.get(f"/staff/personas/{person.id}").status_code == 200


def test_a_redacted_unsent_notice_is_never_sent(session, make_user, desk):
    person = plant_person(session, desk, make_user)
    anonymize_person(session, person, Actor.staff(make_user("admin")), "Supresión")
    session.commit()
    statuses = session.scalars(select(Notification.status)).all()
    assert statuses and "pending" not in statuses and "sending" not in statuses
    assert set(session.scalars(select(Notification.recipient))) == {REDACTED}


@pytest.mark.parametrize("role", ["counter", "agent", "head"])
def test_only_admins_and_the_privacy_officer_may_anonymize(
    client, session, login, make_user, desk, role
):
    person = plant_person(session, desk, make_user)
    login(make_user(role, department=desk.dop))
    session.commit()  # the refusal rolls the request back: what the test set up is committed
    data = {"reason": "Supresión", "confirmation": "ANONIMIZAR"}
    assert client.post(f"/staff/personas/{person.id}/anonimizar", data=data).status_code == 403
    assert client.get(f"/staff/personas/{person.id}/anonimizar").status_code == 403
    session.expire_all()
    assert session.get(Contact, person.id).mobile == MOBILE


@pytest.mark.parametrize(
    "data",
    [
        {"reason": "", "confirmation": "ANONIMIZAR"},
        {"reason": "   ", "confirmation": "ANONIMIZAR"},
        {"reason": "Supresión", "confirmation": ""},
        {"reason": "Supresión", "confirmation": "sí"},
        {"reason": "x" * 301, "confirmation": "ANONIMIZAR"},
    ],
)
def test_without_a_reason_and_the_typed_confirmation_nothing_changes(
    client, session, login, make_user, desk, data
):
    person = plant_person(session, desk, make_user)
    login(make_user("admin"))
    response = client.post(f"/staff/personas/{person.id}/anonimizar", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Revise lo siguiente" in html and 'aria-invalid="true"' in html
    session.expire_all()
    assert session.get(Contact, person.id).mobile == MOBILE
    assert session.scalar(select(func.count()).select_from(Redaction)) == 0
    assert leftovers(session)


def test_the_officer_reads_the_warning_then_anonymizes_once(
    client, session, login, make_user, desk
):
    person = plant_person(session, desk, make_user)
    login(make_user("privacy"))
    page = client.get(f"/staff/personas/{person.id}/anonimizar").get_data(as_text=True)
    assert "no se puede deshacer" in page.lower()
    assert re.search(r'<label for="anonymize-confirmation">', page)
    data = {"reason": "Supresión", "confirmation": "ANONIMIZAR"}
    first = client.post(f"/staff/personas/{person.id}/anonimizar", data=data)
    assert first.status_code == 303
    done = client.get(first.location).get_data(as_text=True)
    assert "fue anonimizada" in done and NAME not in done
    again = client.post(f"/staff/personas/{person.id}/anonimizar", data=data)
    assert again.status_code == 409
    assert session.scalar(select(func.count()).select_from(Redaction)) == 1
    assert client.post("/staff/personas/999999/anonimizar", data=data).status_code == 404


def test_an_admin_finds_the_action_on_the_person_page(client, session, login, make_user, desk):
    person = plant_person(session, desk, make_user)
    login(make_user("admin"))
    html = client.get(f"/staff/personas/{person.id}").get_data(as_text=True)
    assert f'action="/staff/personas/{person.id}/anonimizar"' in html
    login(make_user("counter"))
    html = client.get(f"/staff/personas/{person.id}").get_data(as_text=True)
    assert "/anonimizar" not in html


def test_the_command_line_anonymizes_with_a_reason(app, session, make_user, desk):
    person = plant_person(session, desk, make_user)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["privacy", "anonymize", "--person", str(person.id)])
    assert result.exit_code != 0 and "--reason" in result.output
    result = runner.invoke(
        args=["privacy", "anonymize", "--person", str(person.id), "--reason", "Supresión 7"]
    )
    assert result.exit_code == 0, result.output
    assert f"Persona {person.id} anonimizada" in result.output
    session.expire_all()
    assert session.get(Contact, person.id).anonymized_at is not None
    again = runner.invoke(
        args=["privacy", "anonymize", "--person", str(person.id), "--reason", "Otra vez"]
    )
    assert again.exit_code != 0 and "ya fue anonimizada" in again.output
