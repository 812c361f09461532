"""Staff workspace: login, counter intake, queue, ticket page and its actions, administration."""

import re

import pytest
from sqlalchemy import func, select

from app.models import (
    ApiKey,
    Category,
    ClosedDay,
    ResponseTemplate,
    StaffUser,
    Ticket,
    TicketEvent,
)
from app.tickets.codes import display
from app.tickets.sla import business_calendar

PASSWORD = "conectados-demo"


def user(session, email):
    return session.scalar(select(StaffUser).where(StaffUser.email == email))


def category(session, code):
    return session.scalar(select(Category).where(Category.code == code))


def version_on(page) -> str:
    return re.search(r'name="version" value="(\d+)"', page.get_data(as_text=True)).group(1)


# --- access ---------------------------------------------------------------------------------


def test_staff_pages_need_a_login(client, demo):
    for url in ("/staff/tickets", "/staff/counter", "/staff/admin"):
        response = client.get(url)
        assert response.status_code == 302 and "/staff/login" in response.location


def test_login_logout_and_password_change(client, demo):
    wrong = client.post("/staff/login", data={"email": "meson@demo.penalolen.cl", "password": "x"})
    assert wrong.status_code == 401
    assert "Correo o contraseña incorrectos." in wrong.get_data(as_text=True)
    ok = client.post(
        "/staff/login",
        data={"email": "MESON@demo.penalolen.cl", "password": PASSWORD, "next": "/staff/tickets"},
    )
    assert ok.status_code == 303 and ok.location.endswith("/staff/tickets")
    assert client.get("/staff/tickets").status_code == 200

    short = client.post(
        "/staff/password", data={"current": PASSWORD, "new": "corta", "confirm": "corta"}
    )
    assert "al menos 10 caracteres" in short.get_data(as_text=True)
    changed = client.post(
        "/staff/password",
        data={
            "current": PASSWORD,
            "new": "una frase larga nueva",
            "confirm": "una frase larga nueva",
        },
    )
    assert changed.status_code == 303
    assert user(demo, "meson@demo.penalolen.cl").check_password("una frase larga nueva")

    client.post("/staff/logout")
    assert client.get("/staff/tickets").status_code == 302


def test_an_open_redirect_is_refused(client, demo):
    response = client.post(
        "/staff/login",
        data={
            "email": "meson@demo.penalolen.cl",
            "password": PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert response.location.endswith("/staff/")


def test_failed_logins_are_throttled(app, client, demo):
    app.config["LOGIN_RATE_LIMIT"] = "3 per 15 minutes"
    try:
        for _ in range(3):
            client.post("/staff/login", data={"email": "admin@demo.penalolen.cl", "password": "x"})
        blocked = client.post(
            "/staff/login", data={"email": "admin@demo.penalolen.cl", "password": PASSWORD}
        )
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "10 per 15 minutes"
    assert blocked.status_code == 429


def test_an_inactive_user_cannot_log_in(client, demo):
    user(demo, "agente@demo.penalolen.cl").active = False
    demo.commit()
    response = client.post(
        "/staff/login", data={"email": "agente@demo.penalolen.cl", "password": PASSWORD}
    )
    assert response.status_code == 401


# --- counter --------------------------------------------------------------------------------


def counter_data(session, **overrides):
    return {
        "rut": "12.345.678-5",
        "name": "Ana Torres",
        "mobile": "961234567",
        "email": "",
        "consent": "y",
        "source": "counter",
        "category": str(category(session, "luminaria").id),
        "description": "Poste apagado frente a la sede vecinal",
        "address": "Los Presidentes 100",
        **overrides,
    }


def test_counter_logs_a_walk_in_and_shows_the_receipt(client, demo, login):
    login(user(demo, "meson@demo.penalolen.cl"))
    response = client.post("/staff/counter", data=counter_data(demo))
    assert response.status_code == 303
    ticket = demo.scalar(select(Ticket))
    assert ticket.channel == "counter"
    assert ticket.contact.rut == "123456785" and ticket.contact.mobile == "+56961234567"
    assert ticket.events[0].actor.email == "meson@demo.penalolen.cl"
    receipt = client.get(response.location).get_data(as_text=True)
    assert display(ticket.code) in receipt and "<svg" in receipt
    assert "Atender a la siguiente persona" in receipt
    assert "Ana Torres" not in receipt  # the receipt is public: no personal data


def test_counter_finds_the_resident_and_their_open_tickets(client, demo, login):
    login(user(demo, "meson@demo.penalolen.cl"))
    client.post("/staff/counter", data=counter_data(demo, source="phone", rut_attested="y"))
    code = display(demo.scalar(select(Ticket)).code)
    person = demo.scalar(select(Ticket)).person
    for typed in ("12345678-5", "12.345.678-5"):
        page = client.get("/staff/counter", query_string={"buscar": typed}).get_data(as_text=True)
        assert "Personas registradas con ese dato" in page, typed
        assert code in page and "Ana Torres" in page
        assert 'value="Ana Torres"' not in page  # shown as a candidate, not merged into the form
    # Staff choose the person: their details fill the form.
    chosen = client.get(
        "/staff/counter", query_string={"buscar": "12.345.678-5", "persona": person.id}
    ).get_data(as_text=True)
    assert 'value="Ana Torres"' in chosen and 'value="12.345.678-5"' in chosen
    # The mobile was typed, never proved: it finds the request, not a person.
    for typed in ("+56 9 6123 4567", "961234567"):
        page = client.get("/staff/counter", query_string={"buscar": typed}).get_data(as_text=True)
        assert "Personas registradas" not in page and "sin verificar" in page, typed
        assert code in page
    nobody = client.get("/staff/counter", query_string={"buscar": "11.111.111-1"}).get_data(
        as_text=True
    )
    assert "No hay registros" in nobody and 'value="11.111.111-1"' in nobody


def test_counter_refuses_a_bad_rut_and_keeps_what_was_typed(client, demo, login):
    login(user(demo, "meson@demo.penalolen.cl"))
    response = client.post("/staff/counter", data=counter_data(demo, rut="12.345.678-9"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "El RUT no es válido" in html and "Poste apagado frente a la sede vecinal" in html
    assert demo.scalar(select(func.count(Ticket.id))) == 0


# --- queue ----------------------------------------------------------------------------------


@pytest.fixture
def tickets(demo, make_ticket):
    made = {
        "light": make_ticket(category(demo, "luminaria"), description="Poste apagado en la plaza"),
        "pothole": make_ticket(category(demo, "bache"), description="Hoyo en la calzada"),
        "noise": make_ticket(
            category(demo, "ruidos"), channel="sms", description="Fiesta con música"
        ),
    }
    demo.commit()
    return made


def test_an_agent_sees_their_departments_queue_nearest_due_first(client, demo, login, tickets):
    login(user(demo, "agente@demo.penalolen.cl"))  # Operaciones: lights and potholes
    html = client.get("/staff/tickets").get_data(as_text=True)
    light, pothole = display(tickets["light"].code), display(tickets["pothole"].code)
    assert light in html and pothole in html
    assert display(tickets["noise"].code) not in html
    assert html.index(light) < html.index(pothole)  # one business day vs two
    assert "Recibida: <strong>2</strong>" in html


def test_queue_filters_and_search(client, demo, login, tickets):
    login(user(demo, "admin@demo.penalolen.cl"))
    noise = display(tickets["noise"].code)
    by_channel = client.get("/staff/tickets", query_string={"canal": "sms"}).get_data(as_text=True)
    assert noise in by_channel and display(tickets["light"].code) not in by_channel
    by_code = client.get("/staff/tickets", query_string={"q": noise.lower()}).get_data(as_text=True)
    assert noise in by_code and display(tickets["pothole"].code) not in by_code
    by_text = client.get("/staff/tickets", query_string={"q": "calzada"}).get_data(as_text=True)
    assert display(tickets["pothole"].code) in by_text and noise not in by_text
    unassigned = client.get("/staff/tickets", query_string={"asignadas": "nadie"}).get_data(
        as_text=True
    )
    assert noise in unassigned
    mine = client.get("/staff/tickets", query_string={"asignadas": "mias"}).get_data(as_text=True)
    assert noise not in mine


def test_queue_pages_by_keyset(client, demo, login, make_ticket, monkeypatch):
    import app.staff.queue as queue

    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    light = category(demo, "luminaria")
    codes = [display(make_ticket(light).code) for _ in range(5)]
    demo.commit()
    login(user(demo, "admin@demo.penalolen.cl"))
    seen = []
    url = "/staff/tickets"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += [c for c in codes if c in html]
        match = re.search(r'href="([^"]*despues=[^"]*)">Página siguiente', html)
        url = match.group(1).replace("&amp;", "&") if match else None
    assert sorted(seen) == sorted(codes)


# --- ticket page and actions ----------------------------------------------------------------


def test_the_ticket_page_shows_contact_timeline_and_clocks(client, demo, login, make_ticket):
    ticket = make_ticket(
        category(demo, "luminaria"), name="Rosa Díaz", mobile="961234567", consent_notify=True
    )
    demo.commit()
    login(user(demo, "agente@demo.penalolen.cl"))
    code = display(ticket.code)
    client.post(
        f"/staff/tickets/{code}",
        data={
            "action": "note",
            "version": ticket.version,
            "body": "Revisar con la cuadrilla nocturna",
        },
    )
    html = client.get(f"/staff/tickets/{code}").get_data(as_text=True)
    assert "Rosa Díaz" in html and "+56961234567" in html
    assert re.search(r'class="internal".*Revisar con la cuadrilla nocturna', html, re.S)
    assert "Primera respuesta" in html and "Resolución" in html


def test_actions_offered_follow_role_and_lifecycle(client, demo, login, tickets):
    code = display(tickets["light"].code)
    login(user(demo, "meson@demo.penalolen.cl"))
    counter_view = client.get(f"/staff/tickets/{code}").get_data(as_text=True)
    assert "Responder al vecino/a" in counter_view and "Resolver" not in counter_view
    assert "Derivar" not in counter_view

    login(user(demo, "agente@demo.penalolen.cl"))
    agent_view = client.get(f"/staff/tickets/{code}").get_data(as_text=True)
    assert "Tomar este requerimiento" in agent_view and "Resolver" in agent_view
    assert "Derivar a otra" not in agent_view and "Reabrir" not in agent_view

    login(user(demo, "jefatura@demo.penalolen.cl"))
    head_view = client.get(f"/staff/tickets/{code}").get_data(as_text=True)
    assert "Derivar a otra" in head_view and "Asignar" in head_view

    other = display(tickets["noise"].code)
    login(user(demo, "agente@demo.penalolen.cl"))
    foreign = client.get(f"/staff/tickets/{other}").get_data(as_text=True)
    assert "Tomar este requerimiento" not in foreign and "Resolver" not in foreign
    refused = client.post(
        f"/staff/tickets/{other}",
        data={"action": "resolve", "version": tickets["noise"].version, "body": "Listo"},
    )
    assert refused.status_code == 403
    demo.expire_all()
    assert demo.get(Ticket, tickets["noise"].id).status == "new"


def test_a_stale_form_says_so_and_keeps_the_text(client, demo, login, tickets):
    code = display(tickets["light"].code)
    login(user(demo, "agente@demo.penalolen.cl"))
    seen = version_on(client.get(f"/staff/tickets/{code}"))
    client.post(f"/staff/tickets/{code}", data={"action": "take", "version": seen})
    stale = client.post(
        f"/staff/tickets/{code}",
        data={"action": "resolve", "version": seen, "body": "Reemplazamos la luminaria completa"},
    )
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Otra persona modificó esta solicitud" in html
    assert "Reemplazamos la luminaria completa" in html
    assert int(version_on(stale)) > int(seen)


def test_the_whole_set_of_actions(client, demo, login, tickets):
    light, pothole = tickets["light"], tickets["pothole"]
    code = display(light.code)
    login(user(demo, "jefatura@demo.penalolen.cl"))
    agent = user(demo, "agente@demo.penalolen.cl")

    def act(action, **data):
        demo.expire_all()
        ticket = demo.scalar(select(Ticket).where(Ticket.code == light.code))
        response = client.post(
            f"/staff/tickets/{code}", data={"action": action, "version": ticket.version, **data}
        )
        assert response.status_code == 303, (action, response.get_data(as_text=True)[-2000:])
        demo.expire_all()
        return demo.scalar(select(Ticket).where(Ticket.code == light.code))

    assert act("assign", assignee=str(agent.id)).assignee_id == agent.id
    assert act("start").status == "in_progress"
    assert act("reply", body="Vamos en camino").first_responded_at is not None
    assert act("ask", body="¿Qué número de casa?").status == "waiting_resident"
    assert act("resolve", body="Reparado").status == "resolved"
    assert act("reopen").status == "in_progress"
    rerouted = act(
        "reroute", category=str(category(demo, "arbolado").id), body="Es la rama de un árbol"
    )
    assert rerouted.category.code == "arbolado" and rerouted.assignee_id is None

    login(user(demo, "admin@demo.penalolen.cl"))
    response = client.post(
        f"/staff/tickets/{display(pothole.code)}",
        data={"action": "duplicate", "version": pothole.version, "original": code.lower()},
    )
    assert response.status_code == 303
    demo.expire_all()
    assert demo.get(Ticket, pothole.id).status == "duplicate"
    reject = client.post(
        f"/staff/tickets/{code}",
        data={
            "action": "reject",
            "version": rerouted.version,
            "body": "No es competencia municipal",
        },
    )
    assert reject.status_code == 303


def test_response_templates_fill_the_answer_in_one_click(client, demo, login, tickets):
    template = ResponseTemplate(
        category=category(demo, "luminaria"),
        kind="resolve",
        title="Ampolleta cambiada",
        body="Cambiamos la ampolleta del poste.",
    )
    demo.add(template)
    demo.commit()
    login(user(demo, "agente@demo.penalolen.cl"))
    code = display(tickets["light"].code)
    page = client.get(f"/staff/tickets/{code}").get_data(as_text=True)
    assert "Ampolleta cambiada" in page
    filled = client.get(f"/staff/tickets/{code}", query_string={"plantilla": template.id}).get_data(
        as_text=True
    )
    assert re.search(
        r'<details id="accion-resolve" open>.*Cambiamos la ampolleta del poste\.</textarea>',
        filled,
        re.S,
    )
    noise = client.get(f"/staff/tickets/{display(tickets['noise'].code)}").get_data(as_text=True)
    assert "Ampolleta cambiada" not in noise


# --- administration -------------------------------------------------------------------------


def test_only_admins_administer(client, demo, login):
    for email in (
        "meson@demo.penalolen.cl",
        "agente@demo.penalolen.cl",
        "jefatura@demo.penalolen.cl",
    ):
        login(user(demo, email))
        assert client.get("/staff/admin").status_code == 403
        assert client.post("/staff/admin/claves", data={"name": "x"}).status_code == 403
    assert demo.scalar(select(func.count(ApiKey.id))) == 0


def test_admin_manages_users_categories_calendar_and_keys(client, demo, login):
    login(user(demo, "admin@demo.penalolen.cl"))
    assert client.get("/staff/admin").status_code == 200
    dop = demo.scalar(select(Category).where(Category.code == "luminaria")).department_id

    created = client.post(
        "/staff/admin/usuarios/nuevo",
        data={
            "email": "Nuevo@Penalolen.cl",
            "name": "Nuevo Agente",
            "role": "agent",
            "department": str(dop),
            "active": "y",
            "password": "una clave larga",
        },
    )
    assert created.status_code == 303
    new = user(demo, "nuevo@penalolen.cl")
    assert new.role == "agent" and new.check_password("una clave larga")
    no_department = client.post(
        "/staff/admin/usuarios/nuevo",
        data={
            "email": "x@penalolen.cl",
            "name": "X",
            "role": "agent",
            "password": "una clave larga",
        },
    )
    assert "Elija la unidad" in no_department.get_data(as_text=True)

    saved = client.post(
        "/staff/admin/categorias/nueva",
        data={
            "code": "veredas",
            "name": "Veredas",
            "department": str(dop),
            "description": "Veredas rotas",
            "keywords": "vereda,baldosa",
            "first_response_hours": "8",
            "resolution_days": "10",
            "active": "y",
        },
    )
    assert saved.status_code == 303
    veredas = category(demo, "veredas")
    assert veredas.first_response_minutes == 480 and veredas.resolution_minutes == 5400
    client.post(
        f"/staff/admin/categorias/{veredas.id}/plantillas",
        data={
            "template-kind": "reply",
            "template-title": "Visita",
            "template-body": "Iremos a revisar.",
        },
    )
    assert (
        demo.scalar(
            select(ResponseTemplate).where(ResponseTemplate.category_id == veredas.id)
        ).title
        == "Visita"
    )

    client.post(
        "/staff/admin/calendario",
        data={"hours-workday_start": "09:00", "hours-workday_end": "14:00"},
    )
    client.post(
        "/staff/admin/calendario", data={"day-day": "2026-12-24", "day-reason": "Nochebuena"}
    )
    demo.expire_all()
    calendar = business_calendar(demo)
    assert calendar.minutes_per_day == 300
    assert demo.get(ClosedDay, __import__("datetime").date(2026, 12, 24)).reason == "Nochebuena"

    page = client.post("/staff/admin/claves", data={"name": "app-311"})
    key = re.search(r"(cnd_[A-Za-z0-9_\-]+)", page.get_data(as_text=True)).group(1)
    stored = demo.scalar(select(ApiKey).where(ApiKey.name == "app-311"))
    assert stored.key_hash == ApiKey.hash_key(key)
    client.post(f"/staff/admin/claves/{stored.id}/revocar")
    demo.expire_all()
    assert demo.get(ApiKey, stored.id).revoked_at is not None
    client.post("/staff/logout")
    assert client.get("/api/v1/tickets", headers={"X-API-Key": key}).status_code == 403


def test_every_staff_change_leaves_an_event(client, demo, login, tickets):
    login(user(demo, "agente@demo.penalolen.cl"))
    code = display(tickets["light"].code)
    before = demo.scalar(select(func.count(TicketEvent.id)))
    client.post(
        f"/staff/tickets/{code}", data={"action": "take", "version": tickets["light"].version}
    )
    assert demo.scalar(select(func.count(TicketEvent.id))) == before + 1


def test_staff_see_a_failed_notification_and_retry_it(client, demo, login, tickets):
    from app.models import Notification

    light = tickets["light"]
    failed = Notification(
        ticket_id=light.id,
        channel="sms",
        recipient="+56961234567",
        template="public_reply",
        body="Hola",
        status="failed",
        last_error="Twilio 400 error 21211: The 'To' number is not a valid phone number.",
        error_kind="rejected",
    )
    demo.add(failed)
    demo.commit()
    login(user(demo, "agente@demo.penalolen.cl"))
    code = display(light.code)
    page = client.get(f"/staff/tickets/{code}").get_data(as_text=True)
    assert "número o correo no válido" in page and "Reintentar" in page
    assert "21211" not in page and "public_reply" not in page  # words, not internal codes
    response = client.post(f"/staff/tickets/{code}/avisos/{failed.id}/reintentar")
    assert response.status_code == 303
    rows = demo.scalars(select(Notification).order_by(Notification.id)).all()
    assert len(rows) == 2 and rows[0].status == "failed"  # the failure stays, as history
    assert rows[1].body == "Hola" and rows[1].status in ("pending", "sent")


def test_a_walk_in_with_a_mobile_gets_the_receipt_by_sms(client, demo, login):
    from app.models import Notification

    login(user(demo, "meson@demo.penalolen.cl"))
    client.post("/staff/counter", data=counter_data(demo))  # mobile and consent, no email
    receipt = demo.scalar(select(Notification).where(Notification.template == "received"))
    assert (receipt.channel, receipt.recipient) == ("sms", "+56961234567")
    assert display(demo.scalar(select(Ticket)).code) in receipt.body
