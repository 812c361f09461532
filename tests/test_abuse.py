"""Bad input: a clear 4xx or a stored, escaped text. Nothing executes, nothing crashes."""

import pytest
from sqlalchemy import func, inspect, select
from twilio.request_validator import RequestValidator

from app.models import Category, Ticket
from app.tickets.codes import display

HOSTILE = [
    "'; DROP TABLE tickets; --",
    "<script>alert('x')</script> poste apagado",
    '"><img src=x onerror=alert(1)> bache',
    "Robert'); DELETE FROM contacts WHERE ('1'='1",
    "{{ config.SECRET_KEY }} {% raw %}",
    "\u202e\u0000 texto con control",
]


def light(session):
    return session.scalar(select(Category.id).where(Category.code == "luminaria"))


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_in_the_web_form_is_stored_and_shown_escaped(client, demo, text):
    response = client.post(
        "/solicitudes/nueva",
        data={
            "category": light(demo),
            "description": f"{text} frente al 123",
            "address": text,
            "name": text,
        },
    )
    assert response.status_code in (303, 422)
    if response.status_code == 303:
        ticket = demo.scalar(select(Ticket))
        page = client.get(f"/seguimiento/{display(ticket.code)}").get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "SECRET" not in page or "{{ config.SECRET_KEY }}" not in page
    assert {"tickets", "contacts"} <= set(inspect(demo.get_bind()).get_table_names())


def test_the_staff_page_escapes_what_residents_wrote(client, demo, login, make_ticket):
    from app.models import StaffUser

    ticket = make_ticket(demo.get(Category, light(demo)), description=HOSTILE[1], name=HOSTILE[2])
    demo.commit()
    login(demo.scalar(select(StaffUser).where(StaffUser.role == "admin")))
    page = client.get(f"/staff/tickets/{display(ticket.code)}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page


def test_an_oversized_body_is_refused(client, demo):
    response = client.post("/solicitudes/nueva", data={"description": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert demo.scalar(select(func.count(Ticket.id))) == 0
    api = client.post(
        "/api/v1/tickets",
        data=b"{" + b" " * (3 * 1024 * 1024) + b"}",
        headers={"Content-Type": "application/json", "X-API-Key": "cnd_any-key"},
    )
    assert api.status_code == 413


def test_malformed_utf8_does_not_crash_any_channel(client, demo, api_key):
    bad = b"category=1&description=\xff\xfe\xfd poste apagado frente al 12"
    web = client.post(
        "/solicitudes/nueva", data=bad, content_type="application/x-www-form-urlencoded"
    )
    assert web.status_code < 500
    api = client.post(
        "/api/v1/tickets",
        data=b'{"category": "luminaria", "description": "\xff\xfe"}',
        headers={"Content-Type": "application/json", "X-API-Key": api_key},
    )
    assert 400 <= api.status_code < 500
    open311 = client.post(
        "/open311/v2/requests.json",
        data=b"api_key="
        + api_key.encode()
        + b"&service_code=luminaria&lat=-33.48&long=-70.55&description=\xff\xfe",
        content_type="application/x-www-form-urlencoded",
    )
    assert open311.status_code < 500
    track = client.get("/seguimiento/%FF%FE")
    assert track.status_code == 404


def test_hostile_text_by_sms_is_stored_verbatim_and_not_echoed(client, demo):
    url = "http://testserver/channels/sms/inbound"
    params = {
        "From": "+56987654321",
        "Body": HOSTILE[0] + " poste apagado en mi pasaje",
        "MessageSid": "SMabuse",
    }
    signature = RequestValidator("test-auth-token").compute_signature(url, params)
    response = client.post(
        "/channels/sms/inbound", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200
    assert "DROP TABLE" not in response.get_data(as_text=True)
    assert demo.scalar(select(Ticket)).description.startswith("'; DROP TABLE tickets; --")


def test_hostile_text_by_open311_comes_back_escaped_in_xml(client, demo, api_key):
    created = client.post(
        "/open311/v2/requests.xml",
        data={
            "api_key": api_key,
            "service_code": "luminaria",
            "lat": "-33.48",
            "long": "-70.55",
            "address_string": HOSTILE[1],
            "description": HOSTILE[1],
            "attribute[numero_poste]": "12",
        },
    )
    assert created.status_code in (200, 201), created.get_data(as_text=True)
    listing = client.get("/open311/v2/requests.xml").get_data(as_text=True)
    # The street part of the address is published, escaped; the description is not published.
    assert "<script>" not in listing and "<address>&lt;script&gt;alert</address>" in listing
    assert "alert('x')" not in listing
