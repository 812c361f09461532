"""A resident files a request on the web, gets a code, tracks it and answers a question."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import Category, Notification, StaffUser, Ticket
from app.tickets import Actor, add_comment, assign, transition
from app.tickets.codes import display

FORM = {
    "description": "La luminaria de la esquina está apagada hace una semana.",
    "address": "Av. Grecia 8735, Peñalolén",
}


def category_id(session, code="luminaria"):
    return session.scalar(select(Category.id).where(Category.code == code))


def file_request(client, session, **overrides):
    data = {"category": str(category_id(session)), **FORM, **overrides}
    if (data.get("email") or data.get("mobile")) and "consent" not in data:
        data["consent"] = "n"  # the form asks explicitly (leaving a contact is not a yes)
    return client.post("/solicitudes/nueva", data=data)


def test_a_resident_files_a_request_and_gets_a_code(client, demo):
    session = demo
    page = client.get("/solicitudes/nueva")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<optgroup label="Dirección de Operaciones">' in html
    assert "Por clasificar" not in html

    response = file_request(
        client,
        session,
        name="María González",
        email="maria@example.cl",
        mobile="9 8765 4321",
        consent="y",
    )
    assert response.status_code == 303
    ticket = session.scalar(select(Ticket))
    assert response.location.endswith(f"/solicitudes/recibida/{display(ticket.code)}")
    assert ticket.channel == "web" and ticket.status == "new"
    assert ticket.contact.mobile == "+56987654321" and ticket.contact.consent_notify

    confirmation = client.get(response.location).get_data(as_text=True)
    assert display(ticket.code) in confirmation
    assert f"ESTADO {ticket.code}" in confirmation
    assert "Fecha estimada de respuesta" in confirmation
    assert "/comprobante" in confirmation
    assert "María" not in confirmation and "maria@example.cl" not in confirmation


def test_an_anonymous_request_is_welcome(client, demo):
    assert file_request(client, demo).status_code == 303
    assert demo.scalar(select(Ticket)).contact is None


def test_errors_are_summarised_linked_to_their_fields_and_nothing_is_created(client, demo):
    response = client.post(
        "/solicitudes/nueva", data={"category": "", "description": "corto", "consent": "y"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and "Revise lo siguiente" in html
    for field, anchor in (
        ("category", "category"),
        ("description", "description"),
        ("consent", "consent-0"),
    ):
        assert f'href="#{anchor}"' in html
        assert re.search(rf'aria-describedby="[^"]*{field}-error[^"]*"', html)
    assert 'aria-invalid="true"' in html
    assert "Para recibir avisos indique su correo o su celular." in html
    assert demo.scalar(select(func.count(Ticket.id))) == 0


def test_a_bad_mobile_is_reported_on_its_field(client, demo):
    response = file_request(client, demo, mobile="123", consent="y")
    assert response.status_code == 422
    assert "El número de teléfono no es válido." in response.get_data(as_text=True)
    assert demo.scalar(select(func.count(Ticket.id))) == 0


def test_the_honeypot_stops_bots(client, demo):
    response = file_request(client, demo, website="http://spam.example")
    assert response.status_code == 400
    assert "No pudimos procesar el formulario" in response.get_data(as_text=True)
    assert demo.scalar(select(func.count(Ticket.id))) == 0


def test_filing_is_rate_limited_with_a_spanish_page(app, client, demo):
    app.config["WEB_INTAKE_RATE_LIMIT"] = "2 per minute"
    try:
        assert file_request(client, demo).status_code == 303
        assert file_request(client, demo).status_code == 303
        blocked = file_request(client, demo)
    finally:
        app.config["WEB_INTAKE_RATE_LIMIT"] = "10 per minute;60 per hour"
    assert blocked.status_code == 429
    assert "Demasiados intentos seguidos" in blocked.get_data(as_text=True)
    assert demo.scalar(select(func.count(Ticket.id))) == 2


def test_the_form_is_csrf_protected(app, demo, database_url):
    from app import create_app

    strict = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": app.config["REDIS_URL"]}
    )
    client = strict.test_client()
    response = client.post("/solicitudes/nueva", data={"category": str(category_id(demo)), **FORM})
    assert response.status_code == 400
    assert demo.scalar(select(func.count(Ticket.id))) == 0
    form = client.get("/solicitudes/nueva").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    ok = client.post(
        "/solicitudes/nueva",
        data={"category": str(category_id(demo)), **FORM, "csrf_token": token},
    )
    assert ok.status_code == 303


@pytest.fixture
def filed(client, demo):
    file_request(
        client,
        demo,
        name="María González",
        email="maria@example.cl",
        mobile="987654321",
        consent="y",
    )
    ticket = demo.scalar(select(Ticket))
    ticket.contact.rut = "123456785"
    demo.commit()
    return ticket


def test_tracking_by_number_is_tolerant_and_canonical(client, filed):
    code = display(filed.code)
    lookup = client.get("/seguimiento", query_string={"code": filed.code.lower()})
    assert lookup.status_code == 303 and lookup.location.endswith(f"/seguimiento/{code}")
    moved = client.get(f"/seguimiento/{filed.code.lower()}")
    assert moved.status_code == 301
    page = client.get(f"/seguimiento/{code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Recibida" in html and "Luminaria apagada o dañada" in html
    assert "Dirección de Operaciones" in html and "Fecha estimada de respuesta" in html


def test_a_mistyped_number_is_told_apart_from_an_unknown_one(client, filed):
    typo = filed.code[:-1] + ("A" if filed.code[-1] != "A" else "B")
    response = client.get("/seguimiento", query_string={"code": typo})
    assert response.status_code == 404
    assert "error de tipeo" in response.get_data(as_text=True)
    direct = client.get(f"/seguimiento/{typo}")
    assert direct.status_code == 404 and "error de tipeo" in direct.get_data(as_text=True)

    from app.tickets import codes

    unknown = codes.generate()
    response = client.get("/seguimiento", query_string={"code": unknown})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "No encontramos una solicitud con ese número" in html and "OIRS" in html

    garbage = client.get("/seguimiento", query_string={"code": "hola"})
    assert "9 letras y números" in garbage.get_data(as_text=True)


def test_public_pages_never_show_personal_data(client, demo, filed):
    session = demo
    agent = session.scalar(select(StaffUser).where(StaffUser.email == "agente@demo.penalolen.cl"))
    actor = Actor.staff(agent)
    assign(session, filed, agent, actor)
    add_comment(session, filed, actor, "Vecina muy molesta, llamar al 987654321", public=False)
    add_comment(session, filed, actor, "Programamos la reparación para el jueves.")
    session.commit()
    code = display(filed.code)
    pages = [
        client.get(f"/seguimiento/{code}"),
        client.get(f"/seguimiento/{code}/comprobante"),
        client.get(f"/solicitudes/recibida/{code}"),
        client.get(f"/api/v1/tickets/{code}"),
    ]
    for page in pages:
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        for secret in (
            "María",
            "González",
            "maria@example.cl",
            "987654321",
            "8765",
            "12.345.678",
            "123456785",
            agent.name,
            "Jorge",
            "Vecina muy molesta",
        ):
            assert secret not in text, (page.request.path, secret)
    assert "Programamos la reparación para el jueves." in pages[0].get_data(as_text=True)


def test_the_receipt_is_printable_with_a_qr_code(client, filed):
    code = display(filed.code)
    html = client.get(f"/seguimiento/{code}/comprobante").get_data(as_text=True)
    assert "<svg" in html and "<title>Código QR para seguir la solicitud" in html
    assert f"http://testserver/seguimiento/{code}" in html
    assert "receipt.css" in html
    css = client.get("/static/receipt.css").get_data(as_text=True)
    assert "@media print" in css and "72mm" in css


def test_a_late_ticket_says_so(client, demo, filed):
    filed.created_at -= timedelta(days=30)
    filed.resolution_due_at -= timedelta(days=30)
    demo.commit()
    html = client.get(f"/seguimiento/{display(filed.code)}").get_data(as_text=True)
    assert "fuera de plazo" in html


def test_the_resident_answers_a_question_and_the_ticket_returns_to_work(client, demo, filed):
    session = demo
    admin = session.scalar(select(StaffUser).where(StaffUser.role == "admin"))
    code = display(filed.code)
    assert "Necesitamos más información" not in client.get(f"/seguimiento/{code}").get_data(
        as_text=True
    )
    transition(
        session,
        filed,
        "waiting_resident",
        Actor.staff(admin),
        body="¿Frente a qué número está el poste?",
    )
    session.commit()
    page = client.get(f"/seguimiento/{code}").get_data(as_text=True)
    assert "Necesitamos más información" in page and "¿Frente a qué número está el poste?" in page

    # The question went to her phone with her own signed link (tests/test_resident_proof.py).
    message = session.scalar(select(Notification).where(Notification.template == "info_requested"))
    client.get(re.search(r"(/a/\S+)", message.body).group(1))
    empty = client.post(f"/seguimiento/{code}/responder", data={"body": ""})
    assert empty.status_code == 422
    answered = client.post(f"/seguimiento/{code}/responder", data={"body": "Frente al 8735"})
    assert answered.status_code == 303
    session.expire_all()
    assert session.get(Ticket, filed.id).status == "in_progress"
    page = client.get(f"/seguimiento/{code}").get_data(as_text=True)
    assert "Gracias. Recibimos su respuesta" in page and "Usted respondió el" in page
    assert "Frente al 8735" not in page  # what residents write is not on the code's pages


def test_error_pages_are_in_spanish_with_a_way_forward(client, app):
    page = client.get("/no-existe")
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert "No encontramos lo que busca" in html and 'href="/seguimiento"' in html


def test_home_offers_filing_and_tracking(client, demo):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/solicitudes/nueva"' in html
    assert 'action="/seguimiento"' in html


def test_a_resolved_ticket_offers_the_survey_to_its_proven_resident_only(client, demo, filed):
    session = demo
    admin = session.scalar(select(StaffUser).where(StaffUser.role == "admin"))
    transition(session, filed, "resolved", Actor.staff(admin), body="Reparada")
    session.commit()
    code = display(filed.code)
    assert "/encuesta/" not in client.get(f"/seguimiento/{code}").get_data(as_text=True)
    client.post(f"/seguimiento/{code}/verificar/enviar")  # a one-time code to her phone
    sent = session.scalar(select(Notification.body).where(Notification.template == "access_code"))
    digits = re.search(r"\b(\d{6})\b", sent).group(1)
    assert client.post(f"/seguimiento/{code}/verificar", data={"code": digits}).status_code == 303
    page = client.get(f"/seguimiento/{code}").get_data(as_text=True)
    link = re.search(r'href="(/encuesta/[^"]+)"', page).group(1)
    form = client.get(link)
    assert form.status_code == 200
    answered = client.post(link, data={"rating": "4", "comment": "Rápido"})
    assert answered.status_code in (200, 303)
    session.expire_all()
    assert session.get(Ticket, filed.id).status == "closed"
    page = client.get(f"/seguimiento/{code}").get_data(as_text=True)
    assert "/encuesta/" not in page


def test_two_residents_answering_the_same_question_each_get_their_own_form(
    app, client, demo, database_url
):
    """The tracking page is cached per ticket version, but never the reply form: its CSRF
    token belongs to one visitor. (A request filed without contact: its code answers.)"""
    from app import create_app

    file_request(client, demo)
    filed = demo.scalar(select(Ticket))
    admin = demo.scalar(select(StaffUser).where(StaffUser.role == "admin"))
    transition(demo, filed, "waiting_resident", Actor.staff(admin), body="¿Qué número?")
    demo.commit()
    strict = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": app.config["REDIS_URL"],
            "EMBEDDED_SCHEDULER": False,
        }
    )
    code = display(filed.code)
    visitors = []
    for _ in range(2):  # both open the page at the same version
        client = strict.test_client()
        page = client.get(f"/seguimiento/{code}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        visitors.append((client, token))
    assert visitors[0][1] != visitors[1][1]
    for client, token in visitors:
        answer = client.post(
            f"/seguimiento/{code}/responder", data={"body": "Frente al 8735", "csrf_token": token}
        )
        assert answer.status_code == 303
