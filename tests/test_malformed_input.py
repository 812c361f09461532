"""Malformed input at every door: a clear 4xx in the door's own shape (Spanish HTML page, API
JSON, Open311 errors, Twilio's 4xx), or the text stored without the characters no database or
XML document can carry. Never a 5xx. Each case here answered 500 on Postgres before the
boundary layer (app/inputs.py)."""

from __future__ import annotations

import json
from urllib.parse import quote
from xml.etree import ElementTree as ET  # noqa: S405 - parsing our own answers in tests

import pytest
from sqlalchemy import func, select, update
from twilio.request_validator import RequestValidator

from app.models import Category, ClosedDay, InboundSms, StaffUser, Ticket
from app.tickets.codes import display

HUGE = "99999999999999999999"
SMS_URL = "http://testserver/channels/sms/inbound"


def staff(session, role):
    return session.scalar(select(StaffUser).where(StaffUser.role == role))


def tickets(session) -> int:
    return session.scalar(select(func.count(Ticket.id)))


def api_post(client, api_key, payload, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(payload).encode()
    return client.post(
        "/api/v1/tickets",
        data=body,
        headers={"Content-Type": "application/json", "X-API-Key": api_key},
    )


FILING = {"category": "luminaria", "description": "Poste apagado frente al 123"}


# --- JSON API ---------------------------------------------------------------------------------


def test_an_empty_source_ref_is_refused_every_time(client, api_key, demo):
    for _ in range(2):
        response = api_post(client, api_key, {**FILING, "source_ref": ""})
        assert response.status_code == 422, response.get_data(as_text=True)
        assert "source_ref" in response.json["errors"]["json"]
    assert tickets(demo) == 0


def test_nul_and_lone_surrogates_in_json_are_stripped(client, api_key, demo):
    raw = (
        b'{"category": "luminaria", "description": "Poste\\u0000 apagado\\ud800 frente al 1",'
        b' "address": "Av. Grecia\\u0000 8735\\udfff", "source_ref": "ref\\u0000-1",'
        b' "contact": {"name": "Gabriela\\u0000 \\ud83d", "email": "g@example.cl\\u0000"}}'
    )
    response = api_post(client, api_key, None, raw=raw)
    assert response.status_code == 201, response.get_data(as_text=True)
    ticket = demo.scalar(select(Ticket))
    assert ticket.description == "Poste apagado frente al 1"
    assert ticket.address == "Av. Grecia 8735"
    assert ticket.source_ref == "ref-1"
    assert ticket.contact.name == "Gabriela"


def test_json_nested_thousands_deep_is_a_400(client, api_key, demo):
    deep = b'{"category": "luminaria", "description": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = api_post(client, api_key, None, raw=deep)
    assert response.status_code == 400
    assert response.json["code"] == 400 and "JSON" in response.json["message"]
    listing = client.get(
        "/api/v1/tickets?status=" + quote("[" * 5000), headers={"X-API-Key": api_key}
    )
    assert listing.status_code == 422
    assert tickets(demo) == 0


@pytest.mark.parametrize(
    "query",
    [
        "page=99999999999999999",
        "page_size=99999999999999999",
        "created_from=9999-12-31T23:59:59%2B14:00",
        "created_to=0001-01-01T00:00:00-12:00",
        "department=%00",
        "status=new%00",
    ],
)
def test_api_list_parameters_out_of_bounds_are_4xx(client, api_key, query):
    response = client.get(f"/api/v1/tickets?{query}", headers={"X-API-Key": api_key})
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert response.json["code"] == response.status_code


def test_api_paths_with_control_characters_are_4xx(client, api_key):
    for path in ("/api/v1/tickets/%00", "/api/v1/tickets/K7M4%0A", "/api/v1/tickets/%00/events"):
        response = client.get(path, headers={"X-API-Key": api_key})
        assert 400 <= response.status_code < 500
        assert response.is_json and response.json["code"] == response.status_code


# --- Open311 ----------------------------------------------------------------------------------


def open311_errors(response) -> list[str]:
    if response.mimetype == "text/xml":
        root = ET.fromstring(response.get_data())  # noqa: S314 - our own answer
        assert root.tag == "errors"
        return [e.findtext("description") for e in root.iter("error")]
    return [e["description"] for e in response.json]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "path",
    [
        "requests/%00.{fmt}",
        "requests/K7M4-QX9P%00.{fmt}",
        "tokens/%00.{fmt}",
        "services/%00.{fmt}",
        "services/luminaria%0B.{fmt}",
        "requests.{fmt}?service_code=%00",
        "requests.{fmt}?service_request_id=%00",
        "requests.{fmt}?status=open%00",
        "requests.{fmt}?jurisdiction_id=%00",
        "requests.{fmt}?page=99999999999999999",
        "requests.{fmt}?page_size=99999999999999999",
        "requests.{fmt}?start_date=9999-12-31T23:59:59%2B14:00",
        "requests.{fmt}?end_date=0001-01-01T00:00:00-12:00",
        "requests.{fmt}?start_date=0001-01-01T00:00:00%2B14:00",
    ],
)
def test_open311_refuses_malformed_paths_and_parameters(client, demo, fmt, path):
    response = client.get("/open311/v2/" + path.format(fmt=fmt))
    assert response.status_code == 400, response.get_data(as_text=True)
    descriptions = open311_errors(response)  # well-formed XML, or JSON errors
    assert descriptions and all(descriptions)


def test_open311_post_with_nul_bytes_files_the_text_without_them(client, api_key, demo):
    response = client.post(
        "/open311/v2/requests.xml",
        data={
            "api_key": api_key,
            "service_code": "luminaria",
            "address_string": "Av. Grecia\x00 8735",
            "description": "Poste\x00 apagado\x0b hace una semana",
            "first_name": "Gabriela\x00",
            "attribute[numero_poste]": "12\x00",
            "device_id": "\x00" * 3,
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    ET.fromstring(response.get_data())  # noqa: S314 - well-formed
    ticket = demo.scalar(select(Ticket))
    assert ticket.description == "Poste apagado hace una semana"
    assert ticket.address == "Av. Grecia 8735"


def test_open311_xml_never_echoes_control_characters(client, demo, make_ticket):
    """Rows written before the boundary existed (or by a path that skipped it) still render."""
    light = demo.scalar(select(Category).where(Category.code == "luminaria"))
    light.name = "Luminaria\x0b apagada\x1f"
    make_ticket(light, description="Texto con \x01control\x08 y \ufffe raro")
    demo.commit()
    demo.execute(update(Ticket).values(description="Texto con \x01control\x08 y \ufffe raro"))
    demo.commit()
    for path in ("services.xml", "requests.xml?extensions=true"):
        response = client.get(f"/open311/v2/{path}")
        assert response.status_code == 200
        root = ET.fromstring(response.get_data())  # noqa: S314 - must be well-formed
        assert "\x0b" not in ET.tostring(root, encoding="unicode")


# --- SMS webhook (signed as Twilio signs) ---------------------------------------------------


def sms(client, **params):
    params = {"To": "+56229999999", "Body": "Hay un poste apagado en mi pasaje", **params}
    signature = RequestValidator("test-auth-token").compute_signature(SMS_URL, params)
    return client.post(
        "/channels/sms/inbound", data=params, headers={"X-Twilio-Signature": signature}
    )


def test_nul_bytes_in_a_signed_sms_are_stripped_after_the_signature_check(client, demo):
    response = sms(
        client,
        From="+5698765\x004321",
        MessageSid="SM\x00" + "1" * 32,
        Body="Hay un poste\x00 apagado en mi pasaje",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    stored = demo.scalar(select(InboundSms))
    assert stored.message_sid == "SM" + "1" * 32 and stored.sender == "+56987654321"
    assert "\x00" not in stored.body


@pytest.mark.parametrize(
    "params",
    [
        {"From": "+" + "9" * 100, "MessageSid": "SM" + "2" * 32},
        {"From": "+56987654321", "MessageSid": "SM" + "3" * 298},
        {"From": "\x00\x00", "MessageSid": "SM" + "4" * 32},
        {"From": "+56987654321", "MessageSid": "\x00"},
    ],
)
def test_a_signed_sms_with_impossible_sender_or_sid_is_a_400(client, demo, params):
    response = sms(client, **params)
    assert response.status_code == 400
    assert demo.scalar(select(func.count(InboundSms.id))) == 0 and tickets(demo) == 0


def test_a_status_callback_with_a_huge_sid_changes_nothing(client, demo):
    params = {"MessageSid": "SM" + "5" * 298, "MessageStatus": "delivered\x00"}
    url = "http://testserver/channels/sms/status"
    signature = RequestValidator("test-auth-token").compute_signature(url, params)
    response = client.post(
        "/channels/sms/status", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code < 500


# --- Staff workspace --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        f"categoria={HUGE}",
        f"asignadas={HUGE}",
        "asignadas=%C2%B2",  # "²" is a digit to str.isdigit, not to int()
        f"direccion={HUGE}",
        "desde=9999-12-31&hasta=9999-12-31",
        "desde=0001-01-01",
        "respondidas_desde=9999-12-31&respondidas_hasta=9999-12-31",
        "resueltas_hasta=9999-12-31",
        f"despues=9999-12-31T23:59:59%2B14:00_{HUGE}",
    ],
)
def test_the_staff_queue_ignores_filters_out_of_bounds(client, demo, login, query):
    login(staff(demo, "admin"))
    response = client.get(f"/staff/tickets?{query}")
    if query.startswith("desde="):  # a typed date out of range is said, not ignored (issue 16)
        assert response.status_code == 422
        assert "Escriba una fecha válida" in response.get_data(as_text=True)
    else:
        assert response.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        f"direccion={HUGE}",
        f"categoria={HUGE}",
        "direccion=%C2%B2",
        "desde=9999-12-31&hasta=9999-12-31",
        "desde=0001-01-01&hasta=0001-01-02",
    ],
)
def test_dashboards_ignore_filters_out_of_bounds(client, demo, login, query):
    login(staff(demo, "admin"))
    for url in ("/staff/dashboard", "/staff/dashboard.csv", "/transparencia"):
        assert client.get(f"{url}?{query}").status_code == 200, url


def test_huge_ids_in_paths_and_forms_are_4xx(client, demo, login, make_ticket):
    login(staff(demo, "admin"))
    assert client.get(f"/staff/admin/usuarios/{HUGE}").status_code == 404
    assert client.get(f"/staff/admin/categorias/{HUGE}").status_code == 404
    assert client.post(f"/staff/admin/claves/{HUGE}/revocar").status_code == 404
    light = demo.scalar(select(Category).where(Category.code == "luminaria"))
    ticket = make_ticket(light)
    demo.commit()
    code = display(ticket.code)
    for action, field in (("assign", "assignee"), ("reroute", "category")):
        response = client.post(
            f"/staff/tickets/{code}",
            data={"action": action, "version": ticket.version, field: HUGE, "body": "motivo"},
        )
        assert 400 <= response.status_code < 500 or response.status_code == 303, action
    assert client.post(f"/staff/tickets/{code}/avisos/{HUGE}/reintentar").status_code in (403, 404)
    demo.refresh(ticket)
    assert ticket.assignee_id is None and ticket.category_id == light.id


@pytest.mark.parametrize(
    "user_id", [f"{HUGE}:token", "\u00b2:token", "abc:token", "-1:token", "\x00:token", HUGE]
)
def test_a_session_naming_an_impossible_user_is_anonymous(client, demo, user_id):
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = user_id
    response = client.get("/staff/tickets")
    assert response.status_code == 302 and "/staff/login" in response.location


@pytest.mark.parametrize("code", ["%00", "zzz", "K7M4-QX9P-Z%0A", "x" * 300])
def test_a_malformed_code_on_the_counter_receipt_is_a_404(client, demo, login, code):
    login(staff(demo, "counter"))
    response = client.get(f"/staff/counter/comprobante/{code}")
    assert 400 <= response.status_code < 500
    assert response.mimetype == "text/html"


def test_an_impossible_day_in_the_admin_calendar_is_a_404(client, demo, login):
    login(staff(demo, "admin"))
    for day in ("2026-02-30", "9999-99-99", "x"):
        assert client.post(f"/staff/admin/calendario/{day}/quitar").status_code == 404
    form = client.post("/staff/admin/calendario", data={"day-day": "2026-02-30"})
    assert form.status_code in (200, 422) and "AAAA-MM-DD" in form.get_data(as_text=True)
    assert demo.scalar(select(func.count(ClosedDay.day))) == 0


@pytest.mark.parametrize(
    "target",
    ["/staff\r\nSet-Cookie: x=1", "/staff/tickets\n", "/staff\x00", "/staff\\@evil.example"],
)
def test_a_login_next_with_control_characters_goes_home(client, demo, target):
    response = client.post(
        "/staff/login",
        data={"email": "admin@demo.penalolen.cl", "password": "conectados-demo", "next": target},
    )
    assert response.status_code == 303
    assert response.location in ("/staff/", "/staff")  # home, or the target without the NUL
    assert not any("x=1" in cookie for cookie in response.headers.getlist("Set-Cookie"))
    page = client.get("/staff/login?next=" + quote("/staff\r\nSet-Cookie: x=1"))
    assert page.status_code == 400
    assert "caracteres" in page.get_data(as_text=True)


def test_an_absurd_sla_target_is_refused_by_the_admin_form(client, demo, login):
    login(staff(demo, "admin"))
    light = demo.scalar(select(Category).where(Category.code == "luminaria"))
    before = (light.first_response_minutes, light.resolution_minutes)
    for hours, days in (("24", "99999999"), ("99999999", "5"), ("24", HUGE)):
        response = client.post(
            f"/staff/admin/categorias/{light.id}",
            data={
                "code": "luminaria",
                "name": light.name,
                "department": light.department_id,
                "first_response_hours": hours,
                "resolution_days": days,
                "active": "y",
            },
        )
        assert response.status_code in (200, 422), response.status_code
        assert "entre" in response.get_data(as_text=True)
    demo.refresh(light)
    assert (light.first_response_minutes, light.resolution_minutes) == before


def test_a_category_with_an_absurd_target_still_files(client, demo, api_key):
    demo.execute(
        update(Category)
        .where(Category.code == "luminaria")
        .values(resolution_minutes=2**31 - 1, first_response_minutes=2**31 - 1)
    )
    demo.commit()
    light = demo.scalar(select(Category.id).where(Category.code == "luminaria"))
    web = client.post(
        "/solicitudes/nueva",
        data={"category": light, "description": "Poste apagado frente al 123"},
    )
    assert web.status_code == 303
    assert api_post(client, api_key, FILING).status_code == 201
    assert client.get(web.location).status_code == 200
    assert tickets(demo) == 2


# --- Web and tracking ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/seguimiento/%00",
        "/seguimiento/K7M4%0D%0A",
        "/seguimiento?code=%00",
        "/s/%00",
        "/solicitudes/recibida/%00",
        "/encuesta/%00",
        "/seguimiento/%00/comprobante",
    ],
)
def test_public_pages_answer_control_characters_with_a_spanish_4xx(client, demo, path):
    response = client.get(path)
    assert 400 <= response.status_code < 500
    assert response.mimetype == "text/html"
    assert 'lang="es-CL"' in response.get_data(as_text=True)


def test_the_web_form_stores_text_without_control_characters(client, demo):
    light = demo.scalar(select(Category.id).where(Category.code == "luminaria"))
    response = client.post(
        "/solicitudes/nueva",
        data={
            "category": light,
            "description": "Poste\x00 apagado\x1b frente al 123\r\ndesde ayer",
            "address": "Av.\x00 Grecia",
            "name": "Gabriela\x00",
        },
    )
    assert response.status_code == 303
    ticket = demo.scalar(select(Ticket))
    assert ticket.description == "Poste apagado frente al 123\r\ndesde ayer"
    assert ticket.address == "Av. Grecia"
