"""The data protection officer's tools (issue 15, item 4): find everything held on a person,
export it (JSON, CSV, a letter), rectify it, block it; every action in the trail; only the
``privacy`` role and admins. Played through the HTTP surface."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import (
    AccessLogEntry,
    Category,
    Contact,
    ContactChange,
    Department,
    InboundSms,
    Notification,
    SatisfactionRating,
    SmsSuppression,
    StaffUser,
    Ticket,
    TicketEvent,
    utcnow,
)
from app.tickets import RESIDENT, Actor, TicketIntake, add_comment, open_ticket
from app.tickets.access_log import record_access
from app.tickets.codes import display

AGENT, HEAD, CLERK, ADMIN = (
    "agente@demo.penalolen.cl",
    "jefatura@demo.penalolen.cl",
    "meson@demo.penalolen.cl",
    "admin@demo.penalolen.cl",
)


def _user(session, email) -> StaffUser:
    return session.scalar(select(StaffUser).where(StaffUser.email == email))


def _dop_category(session) -> Category:
    return session.scalar(
        select(Category).join(Department).where(Department.code == "DOP").order_by(Category.id)
    )


def _entries(session, kind) -> list[AccessLogEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(AccessLogEntry).where(AccessLogEntry.kind == kind).order_by(AccessLogEntry.id)
        )
    )


def _plant(session, *, name, rut, mobile, email, words, staff) -> dict:
    """One person's data in every table that can hold it; ``words`` marks their texts."""
    person = Contact(
        name=name,
        rut=rut,
        mobile=mobile,
        email=email,
        consent_notify=True,
        rut_verified_at=utcnow(),
        mobile_verified_at=utcnow(),
    )
    session.add(person)
    session.flush()
    ticket = open_ticket(
        session,
        TicketIntake(
            channel="web",
            category_id=_dop_category(session).id,
            description=f"{words}: el poste de mi pasaje está apagado",
            address=f"Pasaje {words} 123",
            name=name,
            rut=rut,
            mobile=mobile,
            email=email,
            consent_notify=True,
        ),
        RESIDENT,
    )
    ticket.person = person
    session.add_all(
        [
            TicketEvent(
                ticket_id=ticket.id,
                actor_kind="resident",
                kind="comment",
                body=f"{words} responde: sigue apagado",
                public=True,
            ),
            # A notice still queued (held for later): not yet handed to a worker.
            Notification(
                ticket_id=ticket.id,
                channel="email",
                recipient=email,
                template="public_reply",
                subject="Respuesta",
                body=f"Aviso para {words}",
                status="pending",
                next_attempt_at=utcnow() + timedelta(days=1),
            ),
            InboundSms(
                message_sid=f"SM{words}",
                sender=mobile,
                body=f"ESTADO {words}",
                intent="status",
                reply="Su solicitud está en proceso",
                ticket_id=ticket.id,
            ),
            SatisfactionRating(
                ticket_id=ticket.id,
                rating=4,
                comment=f"{words} agradece la atención",
                channel="web",
                ticket_channel="web",
            ),
            SmsSuppression(mobile=mobile, reason="keyword"),
            ContactChange(
                contact_id=person.id,
                actor_kind="staff",
                actor_id=staff.id,
                action="edited",
                source="staff",
                changes={"name": [f"{words} antiguo", name]},
                reason=f"Corrección pedida por {words}",
            ),
        ]
    )
    record_access(session, Actor.staff(staff), "person_viewed", person=person)
    record_access(session, Actor.staff(staff), "contact_viewed", ticket=ticket)
    session.flush()
    return {"person": person, "ticket": ticket}


@pytest.fixture
def planted(demo):
    clerk = _user(demo, CLERK)
    ana = _plant(
        demo,
        name="Ana Torres",
        rut="123456785",
        mobile="+56961234567",
        email="ana@x.cl",
        words="Anamarca",
        staff=clerk,
    )
    bruno = _plant(
        demo,
        name="Bruno Díaz",
        rut="111111111",
        mobile="+56971111111",
        email="bruno@x.cl",
        words="Brunomarca",
        staff=clerk,
    )
    demo.commit()
    return {"ana": ana, "bruno": bruno}


@pytest.fixture
def officer(demo, make_user, login):
    user = make_user("privacy")
    demo.commit()  # a refused action rolls the request's transaction back
    return login(user)


def _ana_url(planted, action=""):
    path = f"/staff/privacidad/personas/{planted['ana']['person'].id}"
    return f"{path}/{action}" if action else path


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)] if value is not None else []


# --- export -------------------------------------------------------------------------------------


def test_the_json_export_holds_all_of_a_person_and_nothing_of_another(
    client, demo, planted, officer
):
    response = client.post(
        _ana_url(planted, "exportar"),
        data={"exportar-output": "json", "exportar-reason": "Solicitud de acceso N. 7"},
    )
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    doc = json.loads(response.get_data(as_text=True))
    ticket = planted["ana"]["ticket"]

    assert doc["formato"] == "conectados.persona" and doc["version"] == 1
    assert doc["persona"]["rut"] == "123456785" and doc["persona"]["correo"] == "ana@x.cl"
    [exported] = doc["solicitudes"]
    assert exported["codigo"] == display(ticket.code)
    assert exported["descripcion"].startswith("Anamarca")
    assert exported["direccion"] == "Pasaje Anamarca 123"
    assert exported["contacto_dado"]["celular"] == "+56961234567"
    written = [e["texto"] for e in doc["mensajes_escritos"] if e["texto"]]
    assert written == ["Anamarca responde: sigue apagado"]
    assert {n["destinatario"] for n in doc["avisos"]} == {"ana@x.cl"}
    assert "Aviso para Anamarca" in [n["texto"] for n in doc["avisos"]]
    assert [m["texto"] for m in doc["sms_recibidos"]] == ["ESTADO Anamarca"]
    assert [s["celular"] for s in doc["bajas_sms"]] == ["+56961234567"]
    assert [r["comentario"] for r in doc["encuestas"]] == ["Anamarca agradece la atención"]
    assert "Corrección pedida por Anamarca" in [c["motivo"] for c in doc["cambios"]]
    kinds = {a["accion"] for a in doc["accesos"]}
    assert {"person_viewed", "contact_viewed", "person_exported"} <= kinds
    assert "Solicitud de acceso N. 7" in [a["motivo"] for a in doc["accesos"]]

    text = " ".join(_strings(doc))
    for bruno in ("Bruno", "111111111", "+56971111111", "bruno@x.cl", "Brunomarca"):
        assert bruno not in text, bruno
    assert display(planted["bruno"]["ticket"].code) not in text

    [row] = _entries(demo, "person_exported")
    assert (row.person_id, row.reason, row.actor_id, row.detail) == (
        planted["ana"]["person"].id,
        "Solicitud de acceso N. 7",
        officer.id,
        {"format": "json"},
    )
    assert row.page == "staff.privacy_export"


def test_an_export_without_a_reason_is_refused_and_records_nothing(client, demo, planted, officer):
    response = client.post(
        _ana_url(planted, "exportar"), data={"exportar-output": "json", "exportar-reason": " "}
    )
    assert response.status_code == 422
    assert "Indique el motivo de la exportación" in response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert _entries(demo, "person_exported") == []
    other = client.post(
        _ana_url(planted, "exportar"), data={"exportar-output": "pdf", "exportar-reason": "x 1"}
    )
    assert other.status_code == 422 and _entries(demo, "person_exported") == []


def test_the_csv_and_the_printable_letter_carry_the_same_data(client, demo, planted, officer):
    response = client.post(
        _ana_url(planted, "exportar"),
        data={"exportar-output": "csv", "exportar-reason": "Solicitud de acceso N. 8"},
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["seccion", "registro", "campo", "valor"]
    cells = {(r[0], r[2], r[3]) for r in rows[1:]}
    assert ("persona", "rut", "123456785") in cells
    assert ("sms_recibidos", "texto", "ESTADO Anamarca") in cells
    assert ("solicitudes", "contacto_dado.correo", "ana@x.cl") in cells
    assert "Brunomarca" not in response.get_data(as_text=True)

    letter = client.post(
        _ana_url(planted, "exportar"),
        data={"exportar-output": "html", "exportar-reason": "Carta de respuesta N. 8"},
    )
    html = letter.get_data(as_text=True)
    assert letter.status_code == 200
    assert "Datos personales que guarda la Municipalidad de Peñalolén" in html
    assert 'id="imprimir"' in html and "print.js" in html and "privacy-letter.css" in html
    assert "Anamarca responde: sigue apagado" in html and "Brunomarca" not in html
    assert "style=" not in html and "<style" not in html
    assert "<script>" not in html  # only the static file: CSP forbids inline scripts
    assert [r.detail["format"] for r in _entries(demo, "person_exported")] == ["csv", "html"]


# --- find and view ------------------------------------------------------------------------------


def test_a_search_by_rut_mobile_or_email_finds_the_person_and_is_recorded(
    client, demo, planted, officer
):
    ana = planted["ana"]["person"]
    for typed in ("12.345.678-5", "9 6123 4567", "ANA@x.cl"):
        response = client.post("/staff/privacidad", data={"query": typed})
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert f"/staff/privacidad/personas/{ana.id}" in html and "Bruno" not in html
    searches = _entries(demo, "person_searched")
    assert [(s.query_kind, s.person_id) for s in searches] == [
        ("rut", ana.id),
        ("mobile", ana.id),
        ("email", ana.id),
    ]
    bad = client.post("/staff/privacidad", data={"query": "Ana"})
    assert bad.status_code == 422
    assert "Escriba un RUT, un celular o un correo válido" in bad.get_data(as_text=True)

    page = client.get(_ana_url(planted))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for shown in ("Anamarca responde", "ESTADO Anamarca", "Anamarca agradece", "ana@x.cl"):
        assert shown in html, shown
    assert "Brunomarca" not in html
    assert "style=" not in html
    [viewed] = [e for e in _entries(demo, "person_viewed") if e.actor_id == officer.id]
    assert (viewed.person_id, viewed.page) == (ana.id, "staff.privacy_person")


# --- rectify ------------------------------------------------------------------------------------


def test_a_rectified_email_is_where_queued_and_next_notices_go(client, demo, planted, officer):
    ticket = planted["ana"]["ticket"]
    queued = demo.scalar(
        select(Notification).where(
            Notification.ticket_id == ticket.id, Notification.status == "pending"
        )
    )
    response = client.post(
        _ana_url(planted, "rectificar"),
        data={
            "rectificar-field": "email",
            "rectificar-value": " Ana.Nueva@X.cl ",
            "rectificar-reason": "Solicitud de rectificación N. 9",
        },
    )
    assert response.status_code == 303
    demo.expire_all()
    person = demo.get(Contact, planted["ana"]["person"].id)
    assert person.email == "ana.nueva@x.cl"
    assert demo.get(Ticket, ticket.id).contact.email == "ana.nueva@x.cl"
    assert demo.get(Notification, queued.id).recipient == "ana.nueva@x.cl"
    bruno = demo.get(Contact, planted["bruno"]["person"].id)
    assert bruno.email == "bruno@x.cl"

    [change] = [c for c in demo.scalars(select(ContactChange)) if c.action == "rectified"]
    assert change.changes == {"email": ["ana@x.cl", "ana.nueva@x.cl"]}
    assert (change.reason, change.actor_id) == ("Solicitud de rectificación N. 9", officer.id)
    row = _entries(demo, "person_changed")[-1]
    assert (row.person_id, row.reason, row.detail["tickets"]) == (
        person.id,
        "Solicitud de rectificación N. 9",
        [ticket.id],
    )
    assert any(e.kind == "contact_rectified" for e in demo.get(Ticket, ticket.id).events)

    # The next notice (an SMS opt-out leaves email as her channel) goes to the corrected one.
    agent = _user(demo, AGENT)
    add_comment(demo, demo.get(Ticket, ticket.id), Actor.staff(agent), "Vamos mañana.")
    demo.commit()
    latest = demo.scalar(
        select(Notification)
        .where(Notification.ticket_id == ticket.id, Notification.recipient_staff_id.is_(None))
        .order_by(Notification.id.desc())
    )
    assert (latest.template, latest.recipient) == ("public_reply", "ana.nueva@x.cl")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rut", "12.345.678-0", "El RUT no es válido"),
        ("mobile", "12", "El número de teléfono no es válido"),
        ("email", "ana-at-x", "El correo electrónico no es válido"),
        ("email", "bruno@x.cl", "Ese dato ya pertenece a otra persona"),
        ("color", "azul", "Not a valid choice"),
    ],
)
def test_bad_rectifications_are_explained_and_change_nothing(
    client, demo, planted, officer, field, value, message
):
    response = client.post(
        _ana_url(planted, "rectificar"),
        data={
            "rectificar-field": field,
            "rectificar-value": value,
            "rectificar-reason": "Solicitud N. 10",
        },
    )
    assert response.status_code == 422
    if field != "color":
        assert message in response.get_data(as_text=True)
    demo.expire_all()
    person = demo.get(Contact, planted["ana"]["person"].id)
    assert (person.rut, person.mobile, person.email) == ("123456785", "+56961234567", "ana@x.cl")
    assert not [c for c in demo.scalars(select(ContactChange)) if c.action == "rectified"]
    assert _entries(demo, "person_changed") == []


# --- block --------------------------------------------------------------------------------------


def test_a_blocked_person_gets_no_notices_and_is_hidden_from_the_unit(
    client, demo, planted, officer, login, make_user
):
    from workers.jobs import deliver_notification

    ticket = planted["ana"]["ticket"]
    code = display(ticket.code)
    queued = demo.scalar(
        select(Notification).where(
            Notification.ticket_id == ticket.id, Notification.status == "pending"
        )
    )
    refused = client.post(_ana_url(planted, "bloquear"), data={"bloqueo-reason": ""})
    assert refused.status_code == 422
    assert "Indique el motivo" in refused.get_data(as_text=True)
    blocked = client.post(_ana_url(planted, "bloquear"), data={"bloqueo-reason": "Pide bloqueo"})
    assert blocked.status_code == 303
    [row] = _entries(demo, "person_blocked")
    assert (row.person_id, row.reason, row.actor_id) == (
        planted["ana"]["person"].id,
        "Pide bloqueo",
        officer.id,
    )
    person = demo.get(Contact, planted["ana"]["person"].id)
    assert (person.blocked_by_id, person.blocked_reason) == (officer.id, "Pide bloqueo")

    # A notice written before the block does not go out; no new one is written.
    queued.next_attempt_at = utcnow() - timedelta(minutes=1)
    demo.commit()
    assert deliver_notification(queued.id) == "blocked"
    demo.expire_all()
    assert demo.get(Notification, queued.id).status == "suppressed"
    before = demo.scalars(select(Notification.id).where(Notification.ticket_id == ticket.id))
    add_comment(demo, demo.get(Ticket, ticket.id), Actor.staff(_user(demo, AGENT)), "Hola")
    demo.commit()
    after = demo.scalars(select(Notification.id).where(Notification.ticket_id == ticket.id))
    assert set(after) == set(before)

    # The unit's agent, the counter and the API read "Datos bloqueados"; privacy and admins
    # read the data.
    login(_user(demo, AGENT))
    page = client.get(f"/staff/tickets/{code}").get_data(as_text=True)
    assert "Datos bloqueados" in page and "ana@x.cl" not in page and "+56961234567" not in page
    api = client.get(f"/api/v1/tickets/{code}/contact")
    assert api.status_code == 403 and "Datos bloqueados" in api.get_data(as_text=True)
    login(_user(demo, CLERK))
    search = client.get("/staff/counter", query_string={"buscar": "12.345.678-5"})
    assert "Datos bloqueados" in search.get_data(as_text=True)
    assert "Ana Torres" not in search.get_data(as_text=True)
    assert client.get(f"/staff/personas/{person.id}").status_code == 403
    for reader in (_user(demo, ADMIN), make_user("privacy")):
        login(reader)
        page = client.get(f"/staff/tickets/{code}").get_data(as_text=True)
        assert "ana@x.cl" in page and "Datos bloqueados" in page
    # Bruno, in the same unit, is untouched.
    login(_user(demo, AGENT))
    other = client.get(f"/staff/tickets/{display(planted['bruno']['ticket'].code)}")
    assert "bruno@x.cl" in other.get_data(as_text=True)

    # Unblocked: the unit reads her data again, and it is recorded.
    login(officer)
    assert (
        client.post(_ana_url(planted, "desbloquear"), data={"bloqueo-reason": "Fin"}).status_code
        == 303
    )
    [row] = _entries(demo, "person_unblocked")
    assert (row.person_id, row.reason) == (person.id, "Fin")
    login(_user(demo, AGENT))
    assert "ana@x.cl" in client.get(f"/staff/tickets/{code}").get_data(as_text=True)
    add_comment(demo, demo.get(Ticket, ticket.id), Actor.staff(_user(demo, AGENT)), "De nuevo")
    demo.commit()
    assert (
        demo.scalar(
            select(Notification)
            .where(Notification.ticket_id == ticket.id, Notification.recipient == "ana@x.cl")
            .order_by(Notification.id.desc())
        ).template
        == "public_reply"
    )


# --- who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("email", [CLERK, AGENT, HEAD])
def test_other_roles_may_not_use_the_tools(client, demo, planted, login, email):
    login(_user(demo, email))
    assert client.get("/staff/privacidad").status_code == 403
    assert client.post("/staff/privacidad", data={"query": "12.345.678-5"}).status_code == 403
    assert client.get(_ana_url(planted)).status_code == 403
    assert client.get("/staff/admin/accesos").status_code == 403
    for action, data in (
        ("exportar", {"exportar-output": "json", "exportar-reason": "x 1"}),
        (
            "rectificar",
            {"rectificar-field": "name", "rectificar-value": "X", "rectificar-reason": "y"},
        ),
        ("bloquear", {"bloqueo-reason": "z"}),
        ("desbloquear", {"bloqueo-reason": "z"}),
    ):
        assert client.post(_ana_url(planted, action), data=data).status_code == 403
    assert "/staff/privacidad" not in client.get("/staff/counter").get_data(as_text=True)
    for kind in ("person_searched", "person_exported", "person_blocked"):
        assert [e for e in _entries(demo, kind) if e.actor_id == _user(demo, email).id] == []
    assert demo.get(Contact, planted["ana"]["person"].id).name == "Ana Torres"


def test_admins_and_the_officer_use_them_and_the_role_is_offered_in_words(
    client, demo, planted, login
):
    login(_user(demo, ADMIN))
    assert client.get(_ana_url(planted)).status_code == 200
    assert "/staff/privacidad" in client.get("/staff/counter").get_data(as_text=True)
    form = client.get("/staff/admin/usuarios/nuevo").get_data(as_text=True)
    assert 'value="privacy"' in form and "Protección de datos (encargado)" in form
    created = client.post(
        "/staff/admin/usuarios/nuevo",
        data={
            "email": "dpo@penalolen.cl",
            "name": "Encargada de datos",
            "role": "privacy",
            "department": "",
            "active": "y",
            "password": "una-clave-muy-larga",
        },
    )
    assert created.status_code == 303
    officer = _user(demo, "dpo@penalolen.cl")
    assert (officer.role, officer.department_id) == ("privacy", None)
    home = client.get("/staff/admin").get_data(as_text=True)
    assert "Protección de datos (encargado)" in home
    login(officer)
    assert client.get("/staff/privacidad").status_code == 200
    assert client.get(_ana_url(planted)).status_code == 200
    # The officer reads the whole trail, but administers nothing.
    assert client.get("/staff/admin/accesos").status_code == 200
    assert client.get("/staff/admin/accesos.csv").status_code == 200
    assert client.get("/staff/admin").status_code == 403
    assert client.get("/staff/admin/usuarios/nuevo").status_code == 403
