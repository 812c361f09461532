"""Transparencia Focalizada: admins choose the focused units (at most FOCUSED_UNITS); admins edit
every initiative and a head only their unit's, every change in the history; residents read the
initiatives, an Atom feed and open data, with no personal data anywhere."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

from sqlalchemy import func, select

from app.models import Department, Initiative, InitiativeChange, Milestone, ProgressUpdate

ATOM = "{http://www.w3.org/2005/Atom}"
INITIATIVE = {
    "title": "Recambio de luminarias LED",
    "summary": "Cambio de 5.000 luminarias por tecnología LED.",
    "objective": "Calles mejor iluminadas y menos consumo.",
    "responsible": "Departamento de Alumbrado Público",
    "start_date": "2026-03-01",
    "planned_end_date": "2026-12-31",
    "status": "in_progress",
    "budget_clp": "450000000",
    "progress_mode": "milestones",
}


def _as(login, session, user):
    """Log ``user`` in, committed (a refused request rolls back what the test left pending)."""
    session.commit()
    return login(user)


def _unit(session, code):
    return session.scalar(select(Department).where(Department.code == code))


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def _unit_form(unit, **extra):
    return {"code": unit.code, "name": unit.name, "active": "y", **extra}


def test_admins_choose_the_focused_units_up_to_the_setting(client, demo, login, make_user, app):
    assert app.config["FOCUSED_UNITS"] == 3
    focused = demo.scalars(select(Department.code).where(Department.highlighted.is_(True))).all()
    assert sorted(focused) == ["DIDECO", "DIMAO", "GOBIERNO_ABIERTO"]
    dop = _unit(demo, "DOP")
    _as(login, demo, make_user("head", department=dop))
    assert (
        client.post(
            f"/staff/admin/unidades/{dop.id}", data=_unit_form(dop, highlighted="y")
        ).status_code
        == 403
    )
    _as(login, demo, make_user("admin"))
    fourth = client.post(f"/staff/admin/unidades/{dop.id}", data=_unit_form(dop, highlighted="y"))
    assert fourth.status_code == 422
    assert "quite una antes de agregar otra" in fourth.get_data(as_text=True)
    demo.expire_all()
    assert not _unit(demo, "DOP").highlighted

    dimao = _unit(demo, "DIMAO")
    assert (
        client.post(f"/staff/admin/unidades/{dimao.id}", data=_unit_form(dimao)).status_code == 303
    )
    assert (
        client.post(
            f"/staff/admin/unidades/{dop.id}", data=_unit_form(dop, highlighted="y")
        ).status_code
        == 303
    )
    demo.expire_all()
    assert _unit(demo, "DOP").highlighted and not _unit(demo, "DIMAO").highlighted
    page = client.get("/transparencia").get_data(as_text=True)
    focused_part = page.split('id="focalizada"')[1].split("Últimos 12 meses")[0]
    assert "Dirección de Operaciones" in focused_part
    assert "Puntos limpios" not in focused_part  # DIMAO left the pilot: its initiatives too


def test_a_head_edits_only_their_units_initiatives_and_each_change_is_recorded(
    client, demo, login, make_user
):
    dimao, dideco = _unit(demo, "DIMAO"), _unit(demo, "DIDECO")
    head = _as(login, demo, make_user("head", department=dimao))
    assert client.get("/staff/iniciativas").status_code == 200
    created = client.post(f"/staff/iniciativas/nueva?unidad={dimao.id}", data=INITIATIVE)
    assert created.status_code == 303
    initiative = demo.scalar(select(Initiative).where(Initiative.title == INITIATIVE["title"]))
    assert initiative.department_id == dimao.id and initiative.budget_clp == 450_000_000

    # another unit's initiatives: 403, nothing written
    before = _count(demo, InitiativeChange)
    theirs = demo.scalar(select(Initiative).where(Initiative.department_id == dideco.id))
    assert (
        client.post(f"/staff/iniciativas/nueva?unidad={dideco.id}", data=INITIATIVE).status_code
        == 403
    )
    assert client.post(f"/staff/iniciativas/{theirs.id}", data=INITIATIVE).status_code == 403
    assert (
        client.post(
            f"/staff/iniciativas/{theirs.id}/avances", data={"avance-body": "Nada"}
        ).status_code
        == 403
    )
    assert _count(demo, InitiativeChange) == before

    url = f"/staff/iniciativas/{initiative.id}"
    milestone = {"hito-title": "Licitación", "hito-planned_date": "2026-04-01"}
    assert client.post(f"{url}/hitos", data=milestone).status_code == 303
    assert (
        client.post(
            f"{url}/hitos",
            data={**milestone, "hito-title": "Obras", "hito-planned_date": "2026-06-01"},
        ).status_code
        == 303
    )
    first = demo.scalar(select(Milestone).where(Milestone.title == "Licitación"))
    done = {f"hito{first.id}-planned_date": "2026-04-01", f"hito{first.id}-done_date": "2026-04-20"}
    assert client.post(f"{url}/hitos/{first.id}", data=done).status_code == 303
    update = {"avance-body": "Se adjudicó la licitación.", "avance-progress": "30",
              "avance-link": "https://www.penalolen.cl/licitacion"}  # fmt: skip
    assert client.post(f"{url}/avances", data=update).status_code == 303
    suspended = {**INITIATIVE, "status": "suspended", "status_reason": "Falta de proveedores."}
    assert client.post(url, data=suspended).status_code == 303

    changes = demo.scalars(
        select(InitiativeChange)
        .where(InitiativeChange.initiative_id == initiative.id)
        .order_by(InitiativeChange.id)
    ).all()
    assert [c.kind for c in changes] == [
        "initiative_created", "milestone_added", "milestone_added", "milestone_changed",
        "update_added", "initiative_changed",
    ]  # fmt: skip
    assert all(c.actor_id == head.id for c in changes)
    assert changes[-1].changes["status"] == ["in_progress", "suspended"]
    assert changes[3].changes["done_date"] == [None, "2026-04-20"]
    history = client.get(url).get_data(as_text=True)
    assert "Quién cambió qué y cuándo" in history and head.name in history

    # admins edit any unit's; agents and counter staff none
    _as(login, demo, make_user("admin"))
    assert client.get(f"/staff/iniciativas/{theirs.id}").status_code == 200
    for role in ("agent", "counter"):
        _as(login, demo, make_user(role, department=dimao))
        assert client.get("/staff/iniciativas").status_code == 403
        assert client.post(url, data=INITIATIVE).status_code == 403


def test_invalid_initiatives_are_refused_with_a_message_and_change_nothing(
    client, demo, login, make_user
):
    dimao, dop = _unit(demo, "DIMAO"), _unit(demo, "DOP")
    _as(login, demo, make_user("admin"))
    before = (_count(demo, Initiative), _count(demo, InitiativeChange))
    for bad, words in (
        ({"planned_end_date": "2026-01-01"}, "no puede ser anterior al inicio"),
        ({"status": "suspended"}, "por qué la iniciativa está suspendida"),
        ({"progress_mode": "manual", "progress_manual": "40"}, "en qué se basa el avance"),
        ({"progress_mode": "manual", "progress_manual": "140"}, "de 0 a 100"),
        ({"budget_clp": "-5"}, "Revise el monto"),
        ({"start_date": "ayer"}, "AAAA-MM-DD"),
        ({"title": ""}, "Este campo es obligatorio"),
    ):
        response = client.post(
            f"/staff/iniciativas/nueva?unidad={dimao.id}", data={**INITIATIVE, **bad}
        )
        assert response.status_code == 422, bad
        assert words in response.get_data(as_text=True), bad
    not_focused = client.post(f"/staff/iniciativas/nueva?unidad={dop.id}", data=INITIATIVE)
    assert not_focused.status_code == 422
    existing = demo.scalar(select(Initiative).where(Initiative.department_id == dimao.id))
    url = f"/staff/iniciativas/{existing.id}"
    assert (
        client.post(
            f"{url}/avances", data={"avance-body": "x", "avance-link": "javascript:1"}
        ).status_code
        == 422
    )
    assert client.post(f"{url}/hitos", data={"hito-title": "X"}).status_code == 422
    assert (_count(demo, Initiative), _count(demo, InitiativeChange)) == before


def test_the_public_pages_show_initiatives_progress_and_late_milestones_in_words(client, demo):
    page = client.get("/transparencia")
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"].startswith("public")
    focused = html.split('id="focalizada"')[1].split("Últimos 12 meses")[0]
    for unit in ("Dirección de Medio Ambiente", "Dirección de Desarrollo Comunitario",
                 "Dirección de Control y Gobierno Abierto"):  # fmt: skip
        assert unit in focused
    assert "Puntos limpios en cada macrosector" in focused
    unit_page = client.get("/transparencia/dimao")
    body = unit_page.get_data(as_text=True)
    assert unit_page.status_code == 200
    assert "Atrasado" in body  # a late milestone, in words
    assert '<svg class="progress"' in body and '<svg class="timeline-chart"' in body
    assert "<table" in body and "Última actualización" in body
    assert "% de avance" in body
    suspended = client.get("/transparencia/dideco").get_data(as_text=True)
    assert "Suspendida" in suspended and "vehículo de la oficina móvil" in suspended
    assert client.get("/transparencia/dop").status_code == 302  # not focused: the directory
    assert client.get("/transparencia/nada").status_code == 404


def test_residents_read_it_in_english_with_untranslated_texts_marked_as_spanish(client, demo):
    english = client.get("/transparencia/dimao?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert "Progress" in english and "Milestones" in english
    assert '<span lang="es-CL">Puntos limpios en cada macrosector</span>' in english


def test_the_feeds_are_valid_atom_with_the_units_updates(client, demo):
    for url in ("/transparencia/novedades.atom", "/transparencia/dimao/novedades.atom"):
        response = client.get(url)
        assert response.mimetype == "application/atom+xml"
        feed = ET.fromstring(response.data)  # noqa: S314 - our own answer
        assert feed.tag == f"{ATOM}feed"
        for required in ("id", "title", "updated"):
            assert feed.find(f"{ATOM}{required}") is not None, required
        assert feed.find(f"{ATOM}link[@rel='self']").get("href").endswith(url)
        entries = feed.findall(f"{ATOM}entry")
        assert entries
        ids = set()
        for entry in entries:
            for required in ("id", "title", "updated", "content"):
                assert (entry.find(f"{ATOM}{required}").text or "").strip(), required
            datetime.fromisoformat(entry.find(f"{ATOM}updated").text.replace("Z", "+00:00"))
            ids.add(entry.find(f"{ATOM}id").text)
        assert len(ids) == len(entries)
    dimao = client.get("/transparencia/dimao/novedades.atom").get_data(as_text=True)
    assert "Puntos limpios" in dimao and "Becas municipales" not in dimao
    assert client.get("/transparencia/dop/novedades.atom").status_code == 404


def _csv_rows(response):
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def _as_text(value):
    return "" if value is None else str(value)


def test_open_data_round_trips_and_equals_the_dashboard(client, demo, make_ticket):
    from app.dashboards.figures import departments
    from app.dashboards.periods import month_start, period
    from app.dashboards.scope import Scope
    from app.demo import seed

    seed(demo, tickets=40)
    demo.commit()
    for name in ("iniciativas", "cifras-mensuales"):
        as_csv = client.get(f"/datos/{name}.csv")
        as_json = client.get(f"/datos/{name}.json")
        assert as_csv.headers["Cache-Control"].startswith("public")
        assert "license" in as_json.headers["Link"]
        document = json.loads(as_json.data)
        assert document["licencia"] == "CC BY 4.0"
        rows = _csv_rows(as_csv)
        assert list(rows[0]) == document["campos"]
        assert rows == [{k: _as_text(v) for k, v in row.items()} for row in document["filas"]]
    monthly = json.loads(client.get("/datos/cifras-mensuales.json").data)["filas"]
    today = datetime.now(UTC).astimezone().date()
    first = month_start(today, 1)
    last = month_start(today) - timedelta(days=1)
    expected = {
        row.code: row
        for row in departments(demo, Scope(span=period(first, last, "America/Santiago")))
    }
    seen = [r for r in monthly if r["mes"] == first.strftime("%Y-%m")]
    assert len(seen) == len(expected)
    for row in seen:
        figures = expected[row["unidad_codigo"]]
        assert (row["recibidas"], row["resueltas"], row["mediana_dias_resolucion"],
                row["porcentaje_dentro_de_plazo"], row["satisfaccion_promedio"],
                row["respuestas_encuesta"]) == (
            figures.received, figures.resolved, figures.median_days, figures.compliance,
            figures.rating, figures.ratings)  # fmt: skip
    assert sum(r["recibidas"] for r in monthly) > 0
    assert client.get("/datos/iniciativas.xml").status_code == 404


def test_no_personal_data_in_any_of_it(client, demo, make_ticket):
    from app.models import StaffUser

    make_ticket(
        demo.scalar(select(Department).where(Department.code == "DIMAO")).categories[0],
        description="Soy Ana Pérez, mi RUT 12.345.678-5, vivo en Los Aromos 1234",
        name="Ana Pérez", email="ana@example.cl", mobile="+56987654321",
    )  # fmt: skip
    demo.commit()
    staff = demo.scalars(select(StaffUser)).all()
    for url in ("/direcciones", "/direcciones/dimao", "/transparencia", "/transparencia/dimao",
                "/transparencia/novedades.atom", "/datos/iniciativas.csv",
                "/datos/iniciativas.json", "/datos/cifras-mensuales.csv",
                "/datos/cifras-mensuales.json"):  # fmt: skip
        body = client.get(url).get_data(as_text=True)
        for secret in ("Ana Pérez", "12.345.678-5", "ana@example.cl", "987654321", "Los Aromos"):
            assert secret not in body, (url, secret)
        for user in staff:
            assert user.email not in body and user.name not in body, (url, user.email)
    assert _count(demo, ProgressUpdate) > 0
