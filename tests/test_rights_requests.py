"""Residents' data rights are requests like any other (Ley 21.719): a category per right in the
"Protección de datos" unit, filed on the web, at the counter (ID card seen) or by API/Open311;
15 business days, extendable once by 15 with a public note; never in a public feed.
Played through HTTP where a person would."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from app.models import Category, Notification, StaffUser, Ticket, TicketEvent
from app.tickets import Actor, InvalidTransition, transition
from app.tickets.codes import display
from app.tickets.extension import extend_target
from app.tickets.rights import RIGHTS, UNIT_CODE, ensure_catalog
from app.tickets.sla import business_calendar

CODES = [right.code for right in RIGHTS]
EMAIL = "vecina@example.cl"
SECRET = "Soy Rosa Contreras, RUT 12.345.678-5, quiero saber qué datos míos tienen."
UNIT_AGENT = "agente.proteccion_datos@demo.penalolen.cl"
OFFICE = "Av. Grecia 8735, Peñalolén"


def user(session, email) -> StaffUser:
    return session.scalar(select(StaffUser).where(StaffUser.email == email))


def category(session, code) -> Category:
    return session.scalar(select(Category).where(Category.code == code))


def fresh(session, ticket) -> Ticket:
    session.expire_all()
    return session.get(Ticket, ticket.id)


def file_on_the_web(client, session, code, **contact) -> Ticket:
    form = {"category": str(category(session, code).id), "description": SECRET, **contact}
    form.setdefault("consent", "n")  # the form asks explicitly (leaving a contact is not a yes)
    response = client.post("/solicitudes/nueva", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)
    return session.scalar(select(Ticket).order_by(Ticket.id.desc()))


def days_after(session, ticket, days: int):
    calendar = business_calendar(session)
    return calendar.add_minutes(ticket.created_at, days * calendar.minutes_per_day)


# --- the catalogue ------------------------------------------------------------------------------


def test_each_right_is_a_sensitive_category_of_the_data_protection_unit(demo):
    for code in CODES:
        found = category(demo, code)
        assert found.department.code == UNIT_CODE
        assert found.sensitive and found.active and not found.is_triage
        assert found.resolution_minutes == 15 * 540
    assert {right.slug for right in RIGHTS} == {
        "acceso",
        "rectificacion",
        "supresion",
        "oposicion",
        "portabilidad",
        "bloqueo",
    }
    ensure_catalog(demo, 540)  # idempotent: found by code
    count = demo.scalar(text("SELECT count(*) FROM categories WHERE code LIKE 'datos%'"))
    assert count == len(CODES)


def test_the_migration_creates_the_catalogue_once_and_keeps_consent_instants(scratch_app):
    from flask_migrate import downgrade, upgrade

    from app.extensions import db

    now = "2026-11-24 13:00:00"
    with scratch_app.app_context():
        upgrade(revision="0013_access_log")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO departments (id, code, name, description, highlighted, active,"
                    " created_at) VALUES (1, 'PROTECCION_DATOS', 'Datos', '', false, true, :now)"
                ),
                {"now": now},
            )
            conn.execute(
                text(
                    "INSERT INTO categories (id, code, department_id, name, description, keywords,"
                    " first_response_minutes, resolution_minutes, is_triage, active, created_at,"
                    " sensitive) VALUES (1, 'datos_acceso', 1, 'Acceso', '', '', 540, 8100,"
                    " false, true, :now, true)"
                ),
                {"now": now},
            )
            conn.execute(
                text(
                    "INSERT INTO tickets (id, code, public_id, channel, category_id,"
                    " department_id, status, description, created_at, updated_at,"
                    " first_response_due_at, resolution_due_at, paused_business_minutes,"
                    " version) VALUES (1, 'AAAAAAAA0', 'aaaaaaaaaaaa', 'web', 1, 1, 'new',"
                    " 'texto', :now, :now, :now, :now, 0, 1)"
                ),
                {"now": now},
            )
            conn.execute(
                text(
                    "INSERT INTO ticket_contacts (ticket_id, email, consent_notify, channel,"
                    " given_at, mobile_verified) VALUES (1, 'a@b.cl', true, 'web', :now, false)"
                ),
                {"now": now},
            )
        upgrade()
        downgrade(revision="0013_access_log")
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT c.code, c.sensitive, c.resolution_minutes, d.code AS unit"
                    " FROM categories c JOIN departments d ON d.id = c.department_id"
                    " WHERE c.code LIKE 'datos%' ORDER BY c.code"
                )
            ).all()
            units = conn.scalar(
                text("SELECT count(*) FROM departments WHERE code = 'PROTECCION_DATOS'")
            )
            consent = conn.execute(
                text("SELECT consent_at, consent_wording FROM ticket_contacts")
            ).one()
            extension = conn.scalar(text("SELECT resolution_extension_minutes FROM tickets"))
    assert sorted(row.code for row in rows) == sorted(CODES)
    assert all(row.sensitive and row.unit == "PROTECCION_DATOS" for row in rows)
    assert {row.resolution_minutes for row in rows} == {8100}
    assert units == 1
    assert consent.consent_at is not None and consent.consent_wording is None
    assert extension == 0


# --- filing: web, counter, API, Open311 ---------------------------------------------------------


def test_privacidad_links_each_right_to_the_web_form_preselected(client, demo):
    page = client.get("/privacidad").get_data(as_text=True)
    for code in CODES:
        assert f"/solicitudes/nueva?categoria={code}" in page
    form = client.get("/solicitudes/nueva?categoria=datos_rectificacion").get_data(as_text=True)
    chosen = category(demo, "datos_rectificacion")
    assert f'<option value="{chosen.id}" selected>' in form
    unknown = client.get("/solicitudes/nueva?categoria=nada").get_data(as_text=True)
    assert " selected>" not in unknown


@pytest.mark.parametrize("code", CODES)
def test_a_resident_files_each_right_on_the_web(client, demo, code):
    ticket = file_on_the_web(client, demo, code, email=EMAIL, consent="y")
    assert ticket.category.code == code and ticket.department.code == UNIT_CODE
    assert ticket.channel == "web" and ticket.contact.email == EMAIL
    assert ticket.resolution_due_at == days_after(demo, ticket, 15)
    page = client.get(f"/seguimiento/{display(ticket.code)}").get_data(as_text=True)
    assert ticket.category.name in page and SECRET not in page


def test_a_rights_request_on_the_web_needs_a_way_to_answer(client, demo):
    form = {"category": str(category(demo, "datos_acceso").id), "description": SECRET}
    response = client.post("/solicitudes/nueva", data=form)
    assert response.status_code == 422
    assert "necesitamos su correo o su celular" in response.get_data(as_text=True)
    assert demo.scalar(select(Ticket.id)) is None


def counter_form(session, code, **overrides):
    return {
        "rut": "12.345.678-5",
        "name": "Rosa Contreras",
        "mobile": "",
        "email": "",
        "source": "counter",
        "category": str(category(session, code).id),
        "description": "Pide copia de todos sus datos personales.",
        **overrides,
    }


@pytest.mark.parametrize("code", CODES)
def test_counter_staff_file_each_right_with_the_id_card_seen(client, demo, login, code):
    counter = login(user(demo, "meson@demo.penalolen.cl"))
    response = client.post("/staff/counter", data=counter_form(demo, code, rut_attested="y"))
    assert response.status_code == 303, response.get_data(as_text=True)
    ticket = demo.scalar(select(Ticket))
    assert ticket.category.code == code and ticket.channel == "counter"
    assert ticket.contact.rut_attested_by_id == counter.id
    assert ticket.person is not None and ticket.person.rut == "123456785"


def test_at_the_counter_a_rights_request_needs_the_id_card(client, demo, login):
    login(user(demo, "meson@demo.penalolen.cl"))
    response = client.post("/staff/counter", data=counter_form(demo, "datos_supresion"))
    assert response.status_code == 422
    assert "verificar la identidad" in response.get_data(as_text=True)
    assert demo.scalar(select(Ticket.id)) is None


@pytest.mark.parametrize("code", CODES)
def test_an_api_client_files_each_right(client, demo, api_key, code):
    body = {"category": code, "description": SECRET, "contact": {"email": EMAIL}}
    response = client.post("/api/v1/tickets", json=body, headers={"X-API-Key": api_key})
    assert response.status_code == 201, response.get_json()
    ticket = demo.scalar(select(Ticket))
    assert ticket.category.code == code and ticket.channel == "api"
    assert response.get_json()["category"] == category(demo, code).name


def test_the_api_refuses_a_rights_request_without_a_way_to_answer(client, demo, api_key):
    body = {"category": "datos_acceso", "description": SECRET}
    response = client.post("/api/v1/tickets", json=body, headers={"X-API-Key": api_key})
    assert response.status_code == 422
    assert demo.scalar(select(Ticket.id)) is None


def test_open311_lists_and_files_rights_requests(client, demo, api_key):
    services = client.get("/open311/v2/services.json").get_json()
    assert set(CODES) <= {service["service_code"] for service in services}
    response = client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": api_key,
            "service_code": "datos_portabilidad",
            "description": SECRET,
            "email": EMAIL,
            "address_string": OFFICE,  # GeoReport asks every request for a location
        },
    )
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    ticket = demo.scalar(select(Ticket))
    assert ticket.category.code == "datos_portabilidad" and ticket.channel == "open311"
    without_contact = client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": api_key,
            "service_code": "datos_bloqueo",
            "description": SECRET,
            "address_string": OFFICE,
        },
    )
    assert without_contact.status_code == 400
    assert "correo o su celular" in without_contact.get_data(as_text=True)


def test_rights_requests_never_appear_in_public_feeds(client, demo, api_key):
    body = {"category": "datos_acceso", "description": SECRET, "contact": {"email": EMAIL}}
    filed = client.post("/api/v1/tickets", json=body, headers={"X-API-Key": api_key}).get_json()
    public_id = filed["public_id"]
    listing = client.get("/open311/v2/requests.json?extensions=true").get_data(as_text=True)
    assert public_id not in listing and SECRET not in listing
    assert client.get(f"/open311/v2/requests/{public_id}.json").status_code == 404
    assert client.get(f"/open311/v2/requests.json?service_request_id={public_id}").get_json() == []
    assert client.get(f"/open311/v2/tokens/{public_id}.json").status_code == 404
    transparency = client.get("/transparencia").get_data(as_text=True)
    assert SECRET not in transparency and filed["code"] not in transparency
    assert "Protección de datos personales" in transparency  # counted, not shown


# --- extension once, with a public note ---------------------------------------------------------

NOTE = "Su solicitud abarca registros de varias unidades; necesitamos reunirlos."


def extend(client, ticket, note=NOTE):
    return client.post(
        f"/staff/tickets/{display(ticket.code)}",
        data={"action": "extend", "body": note, "version": ticket.version},
    )


def test_unit_staff_extend_the_target_once_with_a_public_note(client, demo, login):
    ticket = file_on_the_web(client, demo, "datos_acceso", email=EMAIL, consent="y")
    original_due = ticket.resolution_due_at
    login(user(demo, UNIT_AGENT))
    page = client.get(f"/staff/tickets/{display(ticket.code)}").get_data(as_text=True)
    assert "Prorrogar el plazo" in page

    response = extend(client, ticket)

    assert response.status_code == 303, response.get_data(as_text=True)
    ticket = fresh(demo, ticket)
    assert ticket.resolution_due_at == days_after(demo, ticket, 30) > original_due
    assert ticket.resolution_extended_at is not None
    [event] = demo.scalars(
        select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "target_extended"
        )
    ).all()
    assert event.public and event.body == NOTE and event.data["days"] == 15
    # The resident reads it on the tracking page, with the new date, and is told.
    tracking = client.get(f"/seguimiento/{display(ticket.code)}").get_data(as_text=True)
    local_due = ticket.resolution_due_at.astimezone(business_calendar(demo).tz)
    assert NOTE in tracking and "Plazo de respuesta ampliado hasta el" in tracking
    assert local_due.strftime("%d-%m-%Y") in tracking
    [notice] = demo.scalars(
        select(Notification).where(Notification.template == "target_extended")
    ).all()
    assert notice.recipient == EMAIL and NOTE in notice.body
    assert local_due.strftime("%d-%m-%Y") in notice.body
    # The staff page no longer offers it, and the API shows the new due instant.
    page = client.get(f"/staff/tickets/{display(ticket.code)}").get_data(as_text=True)
    assert "Prorrogar el plazo" not in page and "prorrogado" in page

    second = extend(client, ticket, "Otra vez.")

    assert second.status_code == 422
    assert "ya se prorrogó una vez" in second.get_data(as_text=True)
    assert fresh(demo, ticket).resolution_due_at == days_after(demo, ticket, 30)


def test_an_extension_needs_its_reason_and_the_unit(client, demo, login):
    ticket = file_on_the_web(client, demo, "datos_oposicion", email=EMAIL)
    login(user(demo, "agente@demo.penalolen.cl"))  # Operaciones: another unit
    assert extend(client, ticket).status_code == 403
    login(user(demo, UNIT_AGENT))
    assert extend(client, ticket, "").status_code == 422
    assert fresh(demo, ticket).resolution_extended_at is None


def test_only_open_rights_requests_before_their_due_are_extended(demo, make_ticket):
    agent = Actor.staff(user(demo, "admin@demo.penalolen.cl"))
    ordinary = make_ticket(category(demo, "luminaria"))
    with pytest.raises(InvalidTransition, match="Protección de datos"):
        extend_target(demo, ordinary, agent, NOTE)
    late = make_ticket(category(demo, "datos_acceso"), email=EMAIL)
    with pytest.raises(InvalidTransition, match="ya venció"):
        extend_target(demo, late, agent, NOTE, now=days_after(demo, late, 16))
    transition(demo, late, "rejected", agent, body="No es una solicitud de datos.")
    with pytest.raises(InvalidTransition, match="sigue abierta"):
        extend_target(demo, late, agent, NOTE)


def test_the_extension_outlives_a_pause_for_the_resident(demo, make_ticket):
    agent = Actor.staff(user(demo, "admin@demo.penalolen.cl"))
    ticket = make_ticket(category(demo, "datos_rectificacion"), email=EMAIL)
    start = ticket.created_at
    extend_target(demo, ticket, agent, NOTE, now=start)
    calendar = business_calendar(demo)
    day = calendar.minutes_per_day
    transition(demo, ticket, "waiting_resident", agent, body="¿Qué dato corregimos?", now=start)
    back = calendar.add_minutes(start, 2 * day)
    transition(demo, ticket, "in_progress", agent, now=back)
    assert ticket.resolution_due_at == calendar.add_minutes(start, 30 * day + 2 * day)


def test_the_public_api_view_shows_the_extended_due(client, demo, login):
    ticket = file_on_the_web(client, demo, "datos_supresion", email=EMAIL)
    login(user(demo, UNIT_AGENT))
    extend(client, ticket)
    ticket = fresh(demo, ticket)
    view = client.get(f"/api/v1/tickets/{display(ticket.code)}").get_json()
    expected = re.sub(r"\+00:00$", "", ticket.resolution_due_at.isoformat())
    assert expected[:16] in (view.get("expected_at") or "")


def test_compliance_measures_an_extended_request_against_its_extended_target(demo, make_ticket):
    """Answered in 20 business days after a 15-day extension: on time on the dashboards."""
    from datetime import timedelta

    from app.dashboards.figures import clock
    from app.dashboards.periods import period
    from app.dashboards.scope import Scope
    from app.models import utcnow

    rights = category(demo, "datos_acceso")
    per_day = business_calendar(demo).minutes_per_day
    ticket = make_ticket(rights, email=EMAIL, consent_notify=True, now=utcnow())
    now = utcnow()
    ticket.status, ticket.resolved_at = "resolved", now
    ticket.resolution_business_minutes = 20 * per_day
    ticket.resolution_calendar_minutes = 28 * 24 * 60
    scope = Scope(
        span=period((now - timedelta(days=2)).date(), now.date(), "America/Santiago"),
        department_id=rights.department_id,
    )
    demo.flush()
    assert clock(demo, scope, "resolution").within_target == 0  # late against 15 days
    ticket.resolution_extension_minutes = 15 * per_day
    demo.flush()
    assert clock(demo, scope, "resolution").within_target == 1  # on time against 30
