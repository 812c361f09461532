"""The code is a secret; public feeds publish facts, not people.

Played through HTTP as a stranger: API keys list only their own tickets' codes, every lookup by
code or public id is rate-limited on one budget, staff write the public summary (only the
ticket's department and admins), admins mark categories sensitive.
"""

import re

import pytest
from sqlalchemy import select

from app.models import ApiKey, Category, StaffUser, Ticket, TicketEvent
from app.tickets.codes import display

CLIENT_A = "cnd_client-a-0123456789"
CLIENT_B = "cnd_client-b-0123456789"
MUNICIPAL = "cnd_municipal-0123456789"
NEW = {"category": "bache", "description": "Hoyo grande en la calzada frente al colegio."}


@pytest.fixture
def keys(demo):
    for name, key, staff in (
        ("a", CLIENT_A, False),
        ("b", CLIENT_B, False),
        ("m", MUNICIPAL, True),
    ):
        demo.add(
            ApiKey(
                name=name, prefix=key[:10], key_hash=ApiKey.hash_key(key), staff_integration=staff
            )
        )
    demo.commit()
    return {name: {"X-API-Key": key} for name, key in (("a", CLIENT_A), ("b", CLIENT_B))} | {
        "m": {"X-API-Key": MUNICIPAL}
    }


def staff(session, email):
    return session.scalar(select(StaffUser).where(StaffUser.email == email))


def listed(client, headers):
    response = client.get("/api/v1/tickets", headers=headers)
    assert response.status_code == 200
    return {item["code"] for item in response.get_json()["items"]}


def test_an_api_key_lists_only_the_tickets_it_filed(client, demo, keys):
    mine = client.post("/api/v1/tickets", json=NEW, headers=keys["a"]).get_json()
    theirs = client.post("/api/v1/tickets", json=NEW, headers=keys["b"]).get_json()
    by_open311 = client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": CLIENT_A,
            "service_code": "bache",
            "address_string": "Av. Grecia 1",
            "description": "Bache en la esquina.",
        },
    ).get_json()[0]
    open311_code = re.search(r"\w{4}-\w{4}-\w", by_open311["service_notice"])[0]
    filed = demo.scalar(select(Ticket).where(Ticket.public_id == by_open311["service_request_id"]))
    assert display(filed.code) == open311_code
    assert mine["public_id"] and mine["public_id"] != mine["code"]

    assert listed(client, keys["a"]) == {mine["code"], open311_code}
    assert listed(client, keys["b"]) == {theirs["code"]}
    # A municipal integration sees every ticket with its code.
    assert listed(client, keys["m"]) == {mine["code"], theirs["code"], open311_code}
    items = client.get("/api/v1/tickets", headers=keys["a"]).get_json()["items"]
    assert {i["public_id"] for i in items} == {mine["public_id"], filed.public_id}


def test_the_cli_creates_a_staff_integration_key(app, demo):
    result = app.test_cli_runner().invoke(
        args=["create-api-key", "sistema-dom", "--staff-integration"]
    )
    assert result.exit_code == 0, result.output
    key = demo.scalar(select(ApiKey).where(ApiKey.name == "sistema-dom"))
    assert key.staff_integration is True
    plain = app.test_cli_runner().invoke(args=["create-api-key", "app-vecinal"])
    assert plain.exit_code == 0
    demo.expire_all()
    assert (
        demo.scalar(select(ApiKey).where(ApiKey.name == "app-vecinal")).staff_integration is False
    )


def test_admin_grants_the_staff_integration_scope_on_the_keys_screen(client, demo, login):
    login(staff(demo, "admin@demo.penalolen.cl"))
    page = client.post("/staff/admin/claves", data={"name": "dom", "staff_integration": "y"})
    assert "todas las solicitudes" in page.get_data(as_text=True)
    client.post("/staff/admin/claves", data={"name": "app"})
    scopes = dict(demo.execute(select(ApiKey.name, ApiKey.staff_integration)).all())
    assert scopes == {"dom": True, "app": False}


@pytest.fixture
def code(client, keys):
    return client.post("/api/v1/tickets", json=NEW, headers=keys["a"]).get_json()["code"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tickets/{code}",
        "/solicitudes/recibida/{code}",
        "/seguimiento/{code}",
        "/seguimiento/{code}/comprobante",
        "/seguimiento?code={code}",
    ],
)
def test_every_lookup_by_code_is_rate_limited(app, client, code, path):
    app.config["TRACKING_RATE_LIMIT"] = "3 per minute"
    try:
        answers = [client.get(path.format(code=code)).status_code for _ in range(4)]
        # The budget is shared: a fresh endpoint does not buy more tries.
        elsewhere = client.get(f"/open311/v2/requests/{'0' * 12}.json").status_code
    finally:
        app.config["TRACKING_RATE_LIMIT"] = "60 per minute"
    assert answers[:3] in ([200] * 3, [303] * 3)
    assert answers[3] == 429
    assert elsewhere == 429


def test_a_stranger_guessing_codes_on_the_api_is_stopped(app, client, demo, code):
    from app.tickets.codes import generate

    app.config["TRACKING_RATE_LIMIT"] = "5 per minute"
    try:
        answers = [client.get(f"/api/v1/tickets/{generate()}") for _ in range(6)]
    finally:
        app.config["TRACKING_RATE_LIMIT"] = "60 per minute"
    assert [a.status_code for a in answers] == [404] * 5 + [429]
    assert answers[5].is_json


# --- the public summary ---------------------------------------------------------------------


def summarize(client, ticket, text, version=None):
    return client.post(
        f"/staff/tickets/{display(ticket.code)}",
        data={"action": "summary", "version": version or ticket.version, "body": text},
    )


def feed(client):
    return {r["service_request_id"]: r for r in client.get("/open311/v2/requests.json").json}


def test_department_staff_write_the_public_summary_and_feeds_carry_it(client, demo, keys, login):
    client.post("/api/v1/tickets", json=NEW, headers=keys["a"])
    ticket = demo.scalar(select(Ticket))
    version = ticket.version
    assert feed(client)[ticket.public_id]["description"] is None

    login(staff(demo, "agente@demo.penalolen.cl"))  # DOP: the ticket's department
    page = client.get(f"/staff/tickets/{display(ticket.code)}").get_data(as_text=True)
    assert "Escribir o aprobar el resumen público" in page
    assert summarize(client, ticket, "Bache en la calzada frente a un colegio.").status_code == 303
    demo.expire_all()
    assert ticket.public_summary == "Bache en la calzada frente a un colegio."
    assert ticket.version == version + 1
    event = demo.scalar(select(TicketEvent).where(TicketEvent.kind == "public_summary"))
    assert event.actor_id == staff(demo, "agente@demo.penalolen.cl").id
    assert event.public is False and event.body == ticket.public_summary
    client.post("/staff/logout")
    assert feed(client)[ticket.public_id]["description"] == ticket.public_summary

    # A stale form is refused; an empty text withdraws the summary.
    login(staff(demo, "agente@demo.penalolen.cl"))
    assert summarize(client, ticket, "Otra cosa", version=version).status_code == 409
    assert summarize(client, ticket, "").status_code == 303
    client.post("/staff/logout")
    assert feed(client)[ticket.public_id]["description"] is None


@pytest.mark.parametrize("email", ["meson@demo.penalolen.cl", "agente.dimao@demo.penalolen.cl"])
def test_counter_and_other_departments_cannot_write_the_summary(client, demo, keys, login, email):
    client.post("/api/v1/tickets", json=NEW, headers=keys["a"])
    ticket = demo.scalar(select(Ticket))
    login(staff(demo, email))
    page = client.get(f"/staff/tickets/{display(ticket.code)}").get_data(as_text=True)
    assert "Escribir o aprobar el resumen público" not in page
    assert summarize(client, ticket, "Publiquen esto").status_code == 403
    demo.expire_all()
    assert ticket.public_summary is None


def test_admins_write_any_summary(client, demo, keys, login):
    client.post("/api/v1/tickets", json=NEW, headers=keys["a"])
    ticket = demo.scalar(select(Ticket))
    login(staff(demo, "admin@demo.penalolen.cl"))
    assert summarize(client, ticket, "Bache reparado.").status_code == 303
    demo.expire_all()
    too_long = summarize(client, ticket, "x" * 501)
    assert too_long.status_code == 422
    assert "500 caracteres" in too_long.get_data(as_text=True)


# --- sensitive categories ----------------------------------------------------------------------


def test_admin_marks_a_category_sensitive_and_its_tickets_leave_the_feed(client, demo, keys, login):
    client.post("/api/v1/tickets", json=NEW, headers=keys["a"])
    ticket = demo.scalar(select(Ticket))
    assert ticket.public_id in feed(client)
    bache = demo.scalar(select(Category).where(Category.code == "bache"))
    login(staff(demo, "admin@demo.penalolen.cl"))
    form = client.get(f"/staff/admin/categorias/{bache.id}").get_data(as_text=True)
    assert 'name="sensitive"' in form
    saved = client.post(
        f"/staff/admin/categorias/{bache.id}",
        data={
            "code": "bache",
            "name": bache.name,
            "department": str(bache.department_id),
            "first_response_hours": "9",
            "resolution_days": "5",
            "sensitive": "y",
            "active": "y",
        },
    )
    assert saved.status_code == 303
    client.post("/staff/logout")
    assert ticket.public_id not in feed(client)
    assert client.get(f"/open311/v2/requests/{ticket.public_id}.json").status_code == 404


def test_the_demo_marks_social_disability_and_complaint_categories_sensitive(demo):
    sensitive = set(demo.scalars(select(Category.code).where(Category.sensitive.is_(True))))
    assert {"asistencia_social", "discapacidad", "reclamo"} <= sensitive
    assert "luminaria" not in sensitive and "bache" not in sensitive


def test_the_form_says_what_is_published(client, demo):
    page = client.get("/solicitudes/nueva").get_data(as_text=True)
    assert "Qué se publica" in page
    assert "calle sin número" in page
