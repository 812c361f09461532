"""A program files and follows requests through the JSON API; staff act on them."""

import pytest
from sqlalchemy import select

from app.models import ApiKey, StaffUser, Ticket
from app.tickets.codes import display


@pytest.fixture
def api_key(demo):
    key = "cnd_test-key-0123456789"
    demo.add(ApiKey(name="tests", prefix=key[:10], key_hash=ApiKey.hash_key(key)))
    demo.commit()
    return {"X-API-Key": key}


def staff(session, email):
    return session.scalar(select(StaffUser).where(StaffUser.email == email))


NEW = {
    "category": "bache",
    "description": "Hoyo grande en la calzada frente al colegio.",
    "address": "Av. José Arrieta 7000",
    "contact": {"name": "Juan Pérez", "mobile": "+56 9 6123 4567", "email": "juan@example.cl"},
    "consent_notify": True,
}


def test_catalogue_endpoints(client, demo):
    categories = client.get("/api/v1/categories").get_json()
    transparency = next(c for c in categories if c["code"] == "transparencia")
    assert transparency["department"] == "GOBIERNO_ABIERTO"
    assert transparency["resolution_target_minutes"] == 20 * 540
    departments = client.get("/api/v1/departments").get_json()
    assert {"code": "OIRS"}.items() <= next(d for d in departments if d["code"] == "OIRS").items()


def test_openapi_document_and_docs_page(client, demo):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["info"]["title"] == "Conectados API"
    assert "/api/v1/tickets/{code}" in spec["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and "POST /api/v1/tickets" in docs.get_data(as_text=True)


def test_a_program_files_a_request_and_follows_it(client, demo, api_key):
    created = client.post("/api/v1/tickets", json=NEW, headers=api_key)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    ticket = demo.scalar(select(Ticket))
    assert body["code"] == display(ticket.code)
    assert created.headers["Location"].endswith(f"/api/v1/tickets/{body['code']}")
    assert ticket.channel == "api" and ticket.contact.email == "juan@example.cl"

    public = client.get(created.headers["Location"])
    assert public.status_code == 200
    text = public.get_data(as_text=True)
    assert public.get_json()["status_label"] == "Recibida"
    for secret in ("Juan", "juan@example.cl", "6123", "+569"):
        assert secret not in text


def test_a_retry_with_the_same_source_ref_creates_nothing(client, demo, api_key):
    first = client.post("/api/v1/tickets", json={**NEW, "source_ref": "ext-1"}, headers=api_key)
    again = client.post("/api/v1/tickets", json={**NEW, "source_ref": "ext-1"}, headers=api_key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["code"] == again.get_json()["code"]
    assert len(demo.scalars(select(Ticket)).all()) == 1


def test_writes_need_a_valid_key(client, demo):
    assert client.post("/api/v1/tickets", json=NEW).status_code == 401
    bad = client.post("/api/v1/tickets", json=NEW, headers={"X-API-Key": "nope"})
    assert bad.status_code == 403
    assert client.get("/api/v1/tickets").status_code == 401
    assert demo.scalar(select(Ticket)) is None


def test_invalid_input_gets_422_with_spanish_messages_per_field(client, demo, api_key):
    response = client.post(
        "/api/v1/tickets", json={"description": "x", "lat": 120, "extra": 1}, headers=api_key
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    assert errors["category"] == ["Este campo es obligatorio."]
    assert errors["description"] == ["Debe tener entre 3 y 4000 caracteres."]
    assert errors["extra"] == ["Campo desconocido."]
    unknown = client.post("/api/v1/tickets", json={**NEW, "category": "nada"}, headers=api_key)
    assert unknown.status_code == 422
    phone = client.post(
        "/api/v1/tickets", json={**NEW, "contact": {"mobile": "12"}}, headers=api_key
    )
    assert phone.status_code == 422
    assert phone.get_json()["errors"]["json"]["mobile"] == ["El número de teléfono no es válido."]
    assert demo.scalar(select(Ticket)) is None


def test_unknown_and_mistyped_codes_are_404_with_a_reason(client, demo, api_key):
    code = client.post("/api/v1/tickets", json=NEW, headers=api_key).get_json()["code"]
    typo = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert client.get(f"/api/v1/tickets/{typo}").get_json()["errors"]["code"] == "mistyped"
    from app.tickets import codes

    other = client.get(f"/api/v1/tickets/{codes.generate()}")
    assert other.status_code == 404 and other.get_json()["errors"]["code"] == "not_found"


def test_the_list_filters_and_pages_without_personal_data(client, demo, api_key):
    for category in ("bache", "bache", "luminaria"):
        client.post("/api/v1/tickets", json={**NEW, "category": category}, headers=api_key)
    page = client.get("/api/v1/tickets", query_string={"page_size": 2}, headers=api_key)
    body = page.get_json()
    assert page.status_code == 200 and len(body["items"]) == 2 and body["has_next"] is True
    assert "Juan" not in page.get_data(as_text=True)
    dues = [item["resolution_due_at"] for item in body["items"]]
    assert dues == sorted(dues)
    lights = client.get(
        "/api/v1/tickets", query_string={"category": "luminaria"}, headers=api_key
    ).get_json()
    assert [item["category"] for item in lights["items"]] == ["luminaria"]
    dop = client.get(
        "/api/v1/tickets", query_string={"department": "DOP", "status": "new"}, headers=api_key
    ).get_json()
    assert len(dop["items"]) == 3
    assert (
        client.get("/api/v1/tickets", query_string={"overdue": "true"}, headers=api_key).get_json()[
            "items"
        ]
        == []
    )
    bad = client.get("/api/v1/tickets", query_string={"status": "perdida"}, headers=api_key)
    assert bad.status_code == 422


def test_staff_act_on_a_ticket_with_optimistic_locking(client, demo, api_key, login):
    code = client.post("/api/v1/tickets", json=NEW, headers=api_key).get_json()["code"]
    ticket = demo.scalar(select(Ticket))
    version = ticket.version
    login(staff(demo, "agente@demo.penalolen.cl"))  # an agent of Operaciones (DOP)

    moved = client.post(
        f"/api/v1/tickets/{code}/events",
        json={"kind": "transition", "to_status": "in_progress", "version": version},
    )
    assert moved.status_code == 201, moved.get_json()
    assert moved.get_json()["to_status"] == "in_progress"
    new_version = moved.get_json()["ticket_version"]
    assert new_version > version

    stale = client.post(
        f"/api/v1/tickets/{code}/events",
        json={"kind": "comment", "body": "Hola", "version": version},
    )
    assert stale.status_code == 409
    assert "Otra persona modificó esta solicitud" in stale.get_json()["message"]

    note = client.post(
        f"/api/v1/tickets/{code}/events",
        json={"kind": "note", "body": "Revisar con cuadrilla", "version": new_version},
    )
    assert note.status_code == 201 and note.get_json()["public"] is False
    wrong = client.post(
        f"/api/v1/tickets/{code}/events",
        json={
            "kind": "transition",
            "to_status": "closed",
            "version": note.get_json()["ticket_version"],
        },
    )
    assert wrong.status_code == 403  # closing is automatic (or an admin's)


def test_an_agent_cannot_act_on_another_departments_ticket(client, demo, api_key, login):
    code = client.post(
        "/api/v1/tickets", json={**NEW, "category": "ruidos"}, headers=api_key
    ).get_json()["code"]
    version = demo.scalar(select(Ticket)).version
    login(staff(demo, "agente@demo.penalolen.cl"))
    refused = client.post(
        f"/api/v1/tickets/{code}/events",
        json={"kind": "transition", "to_status": "in_progress", "version": version},
    )
    assert refused.status_code == 403
    assert demo.scalar(select(Ticket)).status == "new"


def test_events_need_a_staff_session(client, demo, api_key):
    code = client.post("/api/v1/tickets", json=NEW, headers=api_key).get_json()["code"]
    response = client.post(
        f"/api/v1/tickets/{code}/events",
        json={"kind": "comment", "body": "x", "version": 1},
        headers=api_key,
    )
    assert response.status_code == 401
