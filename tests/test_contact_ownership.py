"""Contacts are never overwritten by a stranger (issue 12, item 3), through the real HTTP
surface: each ticket keeps the details given with it and its notices go there; a person record
joins tickets only through what a channel proved (the SMS sender, an email confirmed by a link,
a RUT seen by counter staff); staff change a person explicitly, and it is recorded."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.models import (
    ApiKey,
    AppendOnlyError,
    Category,
    Contact,
    ContactChange,
    Notification,
    StaffUser,
    Ticket,
    TicketEvent,
)
from app.tickets.codes import display
from tests.test_sms_inbound import text as sms_text
from tests.test_staff import counter_data

VICTIM = {"name": "Violeta Parra", "email": "violeta@example.cl", "mobile": "+56987654321"}
STRANGER_MOBILE = "+56961112233"
KEY = "cnd_ownership-0123456789"


def texts(client, body, sender):
    return sms_text(client, body, sender=sender)


def file_on_web(client, session, name, email, mobile, consent=True, description=None):
    light = session.scalar(select(Category.id).where(Category.code == "luminaria"))
    data = {
        "category": light,
        "description": description or "Poste apagado frente a mi casa",
        "name": name,
        "email": email,
        "mobile": mobile,
    }
    data["consent"] = "y" if consent else "n"
    response = client.post("/solicitudes/nueva", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[-1500:]
    return session.scalar(select(Ticket).order_by(Ticket.id.desc()))


def file_on_open311(client, name, email, mobile):
    response = client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": KEY,
            "service_code": "bache",
            "lat": "-33.48",
            "long": "-70.55",
            "description": "Bache profundo en la esquina",
            "first_name": name,
            "email": email,
            "phone": mobile,
        },
    )
    assert response.status_code == 200, response.get_json()


def file_on_api(client, name, email, mobile):
    response = client.post(
        "/api/v1/tickets",
        headers={"X-API-Key": KEY},
        json={
            "category": "bache",
            "description": "Hoyo en la calzada de la esquina",
            "contact": {"name": name, "email": email, "mobile": mobile},
            "consent_notify": True,
        },
    )
    assert response.status_code == 201, response.get_json()


def staff(session, email="admin@demo.penalolen.cl") -> StaffUser:
    return session.scalar(select(StaffUser).where(StaffUser.email == email))


def act(client, session, ticket, action, **data):
    session.expire_all()
    version = session.get(Ticket, ticket.id).version
    response = client.post(
        f"/staff/tickets/{display(ticket.code)}",
        data={"action": action, "version": version, **data},
    )
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    session.expire_all()


def recipients(session, ticket) -> set[str]:
    return set(
        session.scalars(select(Notification.recipient).where(Notification.ticket_id == ticket.id))
    )


@pytest.fixture
def desk(demo):
    demo.add(ApiKey(name="ownership", prefix=KEY[:10], key_hash=ApiKey.hash_key(KEY)))
    demo.commit()
    return demo


# --- the attack ---------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["web", "open311", "api"])
def test_a_stranger_filing_with_the_victims_email_changes_nothing_of_hers(
    client, desk, login, channel
):
    session = desk
    # The victim files on the web with her details, and texts another problem from her phone.
    web_ticket = file_on_web(client, session, **VICTIM)
    texts(client, "Hay basura acumulada en la esquina de mi pasaje", VICTIM["mobile"])
    sms_ticket = session.scalar(select(Ticket).where(Ticket.channel == "sms"))
    person = session.scalar(select(Contact).where(Contact.mobile == VICTIM["mobile"]))
    assert person is not None and sms_ticket.person_id == person.id
    before = (person.name, person.mobile, person.email, person.consent_notify)

    # Staff ask both tickets a question (through the staff pages).
    login(staff(session))
    act(client, session, web_ticket, "ask", body="¿Frente a qué número está el poste?")
    act(client, session, sms_ticket, "ask", body="¿En qué pasaje exactamente?")
    client.post("/staff/logout")

    # A stranger files with the victim's email, another name, their own mobile and consent.
    {
        "web": lambda: file_on_web(client, session, "Impostor", VICTIM["email"], STRANGER_MOBILE),
        "open311": lambda: file_on_open311(client, "Impostor", VICTIM["email"], STRANGER_MOBILE),
        "api": lambda: file_on_api(client, "Impostor", VICTIM["email"], STRANGER_MOBILE),
    }[channel]()
    strangers = session.scalar(select(Ticket).order_by(Ticket.id.desc()))
    assert strangers.channel == channel and strangers.person_id is None

    # The stranger texts from their phone: it is not the victim's answer.
    texts(client, "Soy yo, ya no hace falta, cierren la solicitud", STRANGER_MOBILE)
    session.expire_all()
    for ticket in (web_ticket, sms_ticket):
        ticket = session.get(Ticket, ticket.id)
        assert ticket.status == "waiting_resident"
        bodies = [e.body for e in ticket.events]
        assert "Soy yo, ya no hace falta, cierren la solicitud" not in bodies

    # Staff answer the victim's tickets: the notices go to her own details only.
    login(staff(session))
    act(client, session, web_ticket, "reply", body="Enviaremos una cuadrilla el jueves.")
    act(client, session, sms_ticket, "reply", body="Pasará el camión mañana.")
    for ticket in (web_ticket, sms_ticket):
        assert recipients(session, ticket) <= {VICTIM["mobile"], VICTIM["email"]}
        reply = session.scalar(
            select(Notification).where(
                Notification.ticket_id == ticket.id, Notification.template == "public_reply"
            )
        )
        assert (reply.channel, reply.recipient) == ("sms", VICTIM["mobile"])

    # Her person record is exactly as it was; nobody's record carries the stranger's data.
    session.expire_all()
    person = session.get(Contact, person.id)
    assert (person.name, person.mobile, person.email, person.consent_notify) == before
    assert session.scalar(select(Contact).where(Contact.name == "Impostor")) is None
    assert session.scalar(select(Contact).where(Contact.mobile == STRANGER_MOBILE)) is not None
    stranger_person = session.scalar(select(Contact).where(Contact.mobile == STRANGER_MOBILE))
    assert stranger_person.id != person.id  # their SMS made their own record, not hers
    # Each ticket shows its own details to staff.
    page = client.get(f"/staff/tickets/{display(web_ticket.code)}").get_data(as_text=True)
    assert VICTIM["name"] in page and "Impostor" not in page
    assert STRANGER_MOBILE not in page


def test_a_stranger_typing_the_victims_mobile_does_not_reach_her_tickets(client, desk, login):
    session = desk
    texts(client, "Poste apagado en el pasaje Los Aromos", VICTIM["mobile"])
    victims = session.scalar(select(Ticket))
    person = victims.person
    # The stranger files with the victim's mobile, a name and their own email, withdrawing
    # consent; then with consent.
    file_on_web(client, session, "Impostor", "impostor@example.cl", VICTIM["mobile"], False)
    file_on_web(client, session, "Impostor", "impostor@example.cl", VICTIM["mobile"])
    session.expire_all()
    person = session.get(Contact, person.id)
    assert (person.name, person.email, person.consent_notify) == (None, None, False)
    assert session.scalar(select(func.count(Ticket.id)).where(Ticket.person_id == person.id)) == 1
    # The victim's ticket still answers her by SMS.
    login(staff(session))
    act(client, session, victims, "reply", body="Vamos en camino.")
    assert recipients(session, victims) == {VICTIM["mobile"]}


# --- the legitimate paths -----------------------------------------------------------------------


def test_sms_from_the_filing_number_answers_its_tickets(client, desk, login):
    session = desk
    texts(client, "Hay un poste de luz apagado en mi pasaje", VICTIM["mobile"])
    by_sms = session.scalar(select(Ticket))
    assert by_sms.contact.mobile_verified and by_sms.contact.mobile == VICTIM["mobile"]
    on_web = file_on_web(client, session, **VICTIM)
    login(staff(session))
    act(client, session, by_sms, "ask", body="¿Qué número de casa?")
    act(client, session, on_web, "ask", body="¿Qué número tiene el poste?")
    # Her own SMS ticket first, then the web ticket whose question was texted to this number.
    assert "vuelve a estar en proceso" in texts(
        client, "Frente al 1234, al lado de la sede", VICTIM["mobile"]
    )
    assert "vuelve a estar en proceso" in texts(
        client, "El poste tiene pintado el numero P-77", VICTIM["mobile"]
    )
    session.expire_all()
    by_sms, on_web = session.get(Ticket, by_sms.id), session.get(Ticket, on_web.id)
    assert by_sms.status == on_web.status == "in_progress"
    assert "Frente al 1234, al lado de la sede" in [e.body for e in by_sms.events]
    assert "El poste tiene pintado el numero P-77" in [e.body for e in on_web.events]
    assert session.scalar(select(func.count(Ticket.id))) == 2
    # ESTADO lists only what the number proved is its own: the ticket texted in.
    listing = texts(client, "ESTADO", VICTIM["mobile"])
    assert display(by_sms.code) in listing and display(on_web.code) not in listing


def counter_form(session, **overrides):
    return counter_data(session, **overrides)


def test_the_counter_joins_a_person_only_with_the_id_card_seen(client, desk, login):
    session = desk
    clerk = login(staff(session, "meson@demo.penalolen.cl"))
    # Without the ID card: the ticket keeps the details, nobody's record is touched.
    assert client.post("/staff/counter", data=counter_form(session)).status_code == 303
    unchecked = session.scalar(select(Ticket))
    assert unchecked.person is None and unchecked.contact.rut_attested_by_id is None
    assert session.scalar(select(func.count(Contact.id))) == 0
    # With it: the person with that RUT is created and joined.
    form = counter_form(session, rut_attested="y", description="Luminaria intermitente")
    assert client.post("/staff/counter", data=form).status_code == 303
    attested = session.scalar(select(Ticket).order_by(Ticket.id.desc()))
    person = attested.person
    assert (person.rut, person.name) == ("123456785", "Ana Torres")
    assert person.rut_verified_at is not None and person.mobile is None  # a typed mobile: no
    assert attested.contact.rut_attested_by_id == clerk.id
    created = session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == attested.id))
    assert created.data["proof"] == "rut_attested" and created.actor_id == clerk.id
    page = client.get(f"/staff/tickets/{display(attested.code)}").get_data(as_text=True)
    assert f"cédula vista por {clerk.name}" in page and "RUT con la cédula a la vista" in page
    assert f"/staff/personas/{person.id}" in page
    unchecked_page = client.get(f"/staff/tickets/{display(unchecked.code)}").get_data(as_text=True)
    assert "No está en el registro de ninguna persona" in unchecked_page
    # Another visit with the same RUT and another name joins the same person, unchanged.
    form = counter_form(session, rut_attested="y", name="Ana María T.", description="Otra vez")
    client.post("/staff/counter", data=form)
    third = session.scalar(select(Ticket).order_by(Ticket.id.desc()))
    session.expire_all()
    assert third.person_id == person.id and session.get(Contact, person.id).name == "Ana Torres"
    assert third.contact.name == "Ana María T."
    # Checking the box needs a RUT.
    refused = client.post(
        "/staff/counter", data=counter_form(session, rut="", rut_attested="y", description="X Y Z")
    )
    assert refused.status_code == 422 and "escríbalo" in refused.get_data(as_text=True)


def test_a_counter_search_shows_candidates_and_merges_nothing(client, desk, login):
    session = desk
    texts(client, "Poste apagado en el pasaje", VICTIM["mobile"])  # a person by SMS
    file_on_web(client, session, "Impostor", "x@example.cl", VICTIM["mobile"])  # typed mobile
    login(staff(session, "meson@demo.penalolen.cl"))
    page = client.get("/staff/counter", query_string={"buscar": "987654321"})
    html = page.get_data(as_text=True)
    assert "Personas registradas con ese dato" in html and "sin verificar" in html
    assert "Impostor" in html  # shown as what someone typed on a request, apart
    assert 'value="Impostor"' not in html and 'value="+56987654321"' not in html
    # Searching changed nobody.
    person = session.scalar(select(Contact))
    assert person.name is None and session.scalar(select(func.count(Contact.id))) == 1


def test_staff_change_a_person_explicitly_and_it_is_recorded(client, desk, login):
    session = desk
    texts(client, "Poste apagado en el pasaje", VICTIM["mobile"])
    person = session.scalar(select(Contact))
    clerk = login(staff(session, "meson@demo.penalolen.cl"))
    page = client.get(f"/staff/personas/{person.id}").get_data(as_text=True)
    assert VICTIM["mobile"] in page and "verificado el" in page
    # A change without its reason is refused, and changes nothing.
    refused = client.post(f"/staff/personas/{person.id}", data={"name": "Violeta Parra"})
    assert refused.status_code == 422 and "motivo" in refused.get_data(as_text=True)
    session.expire_all()
    assert session.get(Contact, person.id).name is None
    # With a reason: done, and recorded (who, when, what, why).
    response = client.post(
        f"/staff/personas/{person.id}",
        data={
            "name": "Violeta Parra",
            "rut": "12.345.678-5",
            "reason": "La vecina pidió registrar su nombre; cédula a la vista",
        },
    )
    assert response.status_code == 303
    session.expire_all()
    person = session.get(Contact, person.id)
    assert (person.name, person.rut) == ("Violeta Parra", "123456785")
    assert person.rut_verified_at is not None
    change = session.scalar(select(ContactChange).where(ContactChange.action == "edited"))
    assert change.actor_id == clerk.id and change.source == "staff"
    assert change.changes["name"] == [None, "Violeta Parra"]
    assert change.changes["rut"] == [None, "123456785"]
    assert change.reason.startswith("La vecina pidió")
    history = client.get(f"/staff/personas/{person.id}").get_data(as_text=True)
    assert "Datos cambiados" in history and "La vecina pidió registrar su nombre" in history
    # Removing the mobile is possible; adding one is not offered (only an SMS proves it).
    client.post(
        f"/staff/personas/{person.id}",
        data={"name": "Violeta Parra", "remove_mobile": "y", "reason": "Cambió de número"},
    )
    session.expire_all()
    assert session.get(Contact, person.id).mobile is None
    # The record of changes is append-only.
    change = session.scalar(select(ContactChange).where(ContactChange.action == "edited"))
    change.reason = "otro"
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()
    with pytest.raises(AppendOnlyError):
        session.delete(session.scalar(select(ContactChange)))
        session.flush()
    session.rollback()


def test_agents_cannot_open_or_change_person_records(client, desk, login):
    session = desk
    texts(client, "Poste apagado en el pasaje", VICTIM["mobile"])
    person = session.scalar(select(Contact))
    login(staff(session, "agente@demo.penalolen.cl"))
    assert client.get(f"/staff/personas/{person.id}").status_code == 403
    response = client.post(
        f"/staff/personas/{person.id}", data={"name": "X", "reason": "porque sí"}
    )
    assert response.status_code == 403
    session.expire_all()
    assert session.get(Contact, person.id).name is None


def confirmation_link(session, ticket) -> str:
    receipt = session.scalar(
        select(Notification).where(
            Notification.ticket_id == ticket.id, Notification.template == "received"
        )
    )
    assert receipt.channel == "email"
    [link] = re.findall(r"http://testserver(/correo/confirmar/\S+)", receipt.body)
    assert link in receipt.body_html
    return link


def test_an_email_confirmed_by_its_link_joins_the_persons_tickets(client, desk):
    session = desk
    first = file_on_web(client, session, "Violeta Parra", VICTIM["email"], "")
    link = confirmation_link(session, first)
    # Opening the link only shows what is being confirmed (mail scanners open links).
    page = client.get(link)
    assert page.status_code == 200 and display(first.code) in page.get_data(as_text=True)
    assert session.scalar(select(func.count(Contact.id))) == 0
    assert client.post(link).status_code == 200
    session.expire_all()
    first = session.get(Ticket, first.id)
    person = first.person
    assert (person.email, person.name) == (VICTIM["email"], "Violeta Parra")
    assert person.email_verified_at is not None and first.contact.email_confirmed_at is not None
    linked = session.scalar(
        select(TicketEvent).where(
            TicketEvent.ticket_id == first.id, TicketEvent.kind == "person_linked"
        )
    )
    assert linked.data == {"person": person.id, "proof": "email_link"} and not linked.public

    # A stranger files with her email: the receipt (and its link) goes to her, nothing joins.
    strangers = file_on_web(client, session, "Impostor", VICTIM["email"], STRANGER_MOBILE)
    assert strangers.person is None
    assert recipients(session, strangers) == {VICTIM["email"]}
    # Her second request joins her record once she confirms it; her name stays hers.
    second = file_on_web(client, session, "V. P.", VICTIM["email"], "", description="Otro poste")
    client.post(confirmation_link(session, second))
    session.expire_all()
    assert session.get(Ticket, second.id).person_id == person.id
    assert session.get(Contact, person.id).name == "Violeta Parra"
    assert session.get(Ticket, strangers.id).person_id is None
    # A forged or altered link does nothing.
    assert client.post(link[:-3] + "xyz").status_code == 404
    assert client.get("/correo/confirmar/no-es-un-token").status_code == 404


def test_the_api_shows_a_tickets_own_contact_to_staff_only(client, desk, login):
    session = desk
    ticket = file_on_web(client, session, **VICTIM)
    url = f"/api/v1/tickets/{display(ticket.code)}/contact"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"X-API-Key": KEY}).status_code == 401
    login(staff(session))
    answer = client.get(url).get_json()
    assert answer["person_id"] is None
    contact = answer["contact"]
    assert (contact["name"], contact["email"], contact["mobile"]) == (
        VICTIM["name"],
        VICTIM["email"],
        VICTIM["mobile"],
    )
    assert contact["channel"] == "web" and contact["consent_notify"] is True
    assert contact["mobile_verified"] is False and contact["rut_attested"] is False
