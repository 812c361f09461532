"""The dashboard and transparency pages as heads, admins, other staff and the public see them."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.dashboard_fixture import NOW, build

NOVEMBER = {"desde": "2026-11-01", "hasta": "2026-11-30"}


@pytest.fixture
def desk(session, make_department, make_category, make_ticket):
    found = build(session, make_department, make_category, make_ticket)
    session.commit()
    return found


def figures(response) -> dict[tuple[str, str, str], str]:
    assert response.mimetype == "text/csv"
    reader = csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
    return {(r["figura"], r["fila"], r["columna"]): r["valor"] for r in reader}


@pytest.mark.parametrize("role", ["agent", "counter"])
def test_only_heads_and_admins_see_the_dashboard(client, login, make_user, desk, role):
    login(make_user(role, department=desk.dop))
    assert client.get("/staff/dashboard").status_code == 403
    assert client.get("/staff/dashboard.csv").status_code == 403
    assert "Tablero" not in client.get("/staff/tickets").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_log_in(client, desk):
    response = client.get("/staff/dashboard")
    assert response.status_code == 302 and "/staff/login" in response.location


def test_a_head_sees_their_department_only(client, login, make_user, desk):
    login(make_user("head", department=desk.dop))
    html = client.get("/staff/dashboard", query_string=NOVEMBER).get_data(as_text=True)
    assert "Tablero de tiempos de respuesta" in html and ">Tablero</a>" in html
    assert html.count("<svg") >= 6 and "<script" not in html
    assert html.count("<caption") >= 8 and 'scope="row"' in html
    assert "Comparación entre direcciones" not in html
    # Another department in the query string changes nothing for a head.
    asked = {**NOVEMBER, "direccion": str(desk.dideco.id)}
    rows = figures(client.get("/staff/dashboard.csv", query_string=asked))
    assert rows[("resumen", "recibidas", "cantidad")] == "11"
    assert rows[("tiempos", "resolucion", "mediana_horas_habiles")] == "10.0"
    assert rows[("tiempos", "primera_respuesta", "cumplimiento_pct")] == "66.7"
    assert rows[("satisfaccion", "counter", "tasa_respuesta_pct")] == "50.0"
    assert ("direcciones", "Dirección de Operaciones", "recibidas") not in rows


def test_an_admin_compares_departments_and_downloads_one_figure(client, login, make_user, desk):
    login(make_user("admin"))
    html = client.get("/staff/dashboard", query_string=NOVEMBER).get_data(as_text=True)
    assert "Comparación entre direcciones" in html
    assert html.index("Dirección de Desarrollo Comunitario") < html.index(
        "Dirección de Operaciones</a>"
    )
    response = client.get(
        "/staff/dashboard.csv", query_string={**NOVEMBER, "figura": "direcciones"}
    )
    assert (
        "tablero-2026-11-01-2026-11-30-direcciones.csv" in response.headers["Content-Disposition"]
    )
    rows = figures(response)
    assert {key[0] for key in rows} == {"direcciones"}
    assert rows[("direcciones", "Dirección de Operaciones", "dentro_de_plazo_pct")] == "80.0"
    assert rows[("direcciones", "Dirección de Desarrollo Comunitario", "recibidas")] == "1"


def _queue_codes(html: str) -> set[str]:
    return set(re.findall(r'/staff/tickets/([0-9A-Z-]{11})"', html))


def test_figures_drill_down_to_their_tickets(client, login, make_user, desk):
    login(make_user("head", department=desk.dop))
    html = client.get("/staff/dashboard", query_string=NOVEMBER).get_data(as_text=True)
    summary_row = html[html.index("Resueltos en el periodo") :]
    link = re.search(r'<a href="(/staff/tickets\?[^"]*)">', summary_row).group(1)
    assert "resueltas_desde=2026-11-01" in link and "resueltas_hasta=2026-11-30" in link
    page = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert len(_queue_codes(page)) == 5 and "una cifra del tablero" in page
    breached = client.get(
        "/staff/tickets",
        query_string={
            "estado": "todas",
            "incumplidas": "primera_respuesta",
            "respondidas_desde": "2026-11-01",
            "respondidas_hasta": "2026-11-30",
        },
    ).get_data(as_text=True)
    assert len(_queue_codes(breached)) == 2  # 900 and 1,200 business minutes against 540


def test_aging_drill_down_matches_the_bucket(session, desk):
    from sqlalchemy import func, select

    from app.dashboards.drill import apply_drill_filters
    from app.models import Ticket
    from app.tickets.lifecycle import OPEN_STATUSES
    from app.tickets.sla import business_calendar

    calendar = business_calendar(session)
    base = select(func.count(Ticket.id)).where(Ticket.status.in_(OPEN_STATUSES))
    counts = [
        session.scalar(apply_drill_filters(base, {"antiguedad": label}, NOW, calendar))
        for label in ("0-2", "3-5", "6-10", "11-20", ">20")
    ]
    assert counts == [2, 2, 1, 1, 1]


def test_the_transparency_page_is_public_cacheable_and_impersonal(client, desk):
    response = client.get("/transparencia")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"]
    assert "max-age=" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    assert html.index("Dirección de Desarrollo Comunitario") < html.index(
        "Dirección de Operaciones"
    )
    # The two periods' tables and the attention survey's (by channel, by unit).
    assert "Transparencia Focalizada" in html and html.count("<caption") == 4
    assert "poste frente a mi casa" not in html  # no ticket text, no codes, no contacts
    assert not re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]", html)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/transparencia"' in home


def test_an_empty_desk_shows_dashes_not_errors(client, login, make_user, make_department):
    make_department("DOP", "Dirección de Operaciones")
    login(make_user("admin"))
    html = client.get("/staff/dashboard").get_data(as_text=True)
    assert "Tablero de tiempos de respuesta" in html and "Sin requerimientos en el periodo." in html
    rows = figures(client.get("/staff/dashboard.csv"))
    assert rows[("tiempos", "resolucion", "mediana_horas_habiles")] == ""
    assert rows[("resumen", "recibidas", "cantidad")] == "0"
    assert client.get("/transparencia").status_code == 200


def test_an_admin_drills_into_another_department(client, login, make_user, desk):
    login(make_user("admin"))
    html = client.get(
        "/staff/tickets",
        query_string={**NOVEMBER, "estado": "todas", "direccion": str(desk.dideco.id)},
    ).get_data(as_text=True)
    assert len(_queue_codes(html)) == 1


def test_csv_cells_never_start_a_formula():
    from app.spreadsheet import safe_cell as _cell

    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert (_cell("Luminaria"), _cell(None), _cell(3)) == ("Luminaria", "", 3)
