"""Need to know (issue 15, item 1), through HTTP: a ticket's personal data is shown to staff of
its department, to the staff member who filed it, and to admins; anyone else reading the ticket
sees "Datos de contacto reservados". The ticket page, the API, the counter search and the staff
lists follow the one rule (``may_see_contact``), and every showing is in the access trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AccessLogEntry, Department, Ticket
from app.tickets.codes import display
from tests.test_contact_ownership import VICTIM, file_on_web, staff
from tests.test_staff import counter_data

RESERVED = "Datos de contacto reservados"
PRIVATE = (VICTIM["name"], VICTIM["email"], VICTIM["mobile"])


@pytest.fixture
def desk(demo, client, make_user):
    """A web request about a street light (DOP), filed with the victim's details, and staff of
    every role in DOP and in another unit (DIMAO)."""
    ticket = file_on_web(client, demo, **VICTIM, description="Poste apagado en la esquina")
    dop = demo.scalar(select(Department).where(Department.code == "DOP"))
    dimao = demo.scalar(select(Department).where(Department.code == "DIMAO"))
    users = {
        (role, where): make_user(role, department=unit)
        for role in ("counter", "agent", "head")
        for where, unit in (("own", dop), ("other", dimao))
    }
    users["admin", "own"] = users["admin", "other"] = staff(demo)
    demo.commit()
    return demo, ticket, users


def _rows(session, user, kind: str | None = None) -> list[AccessLogEntry]:
    session.expire_all()
    statement = select(AccessLogEntry).where(AccessLogEntry.actor_id == user.id)
    if kind:
        statement = statement.where(AccessLogEntry.kind == kind)
    return list(session.scalars(statement))


@pytest.mark.parametrize("role", ["counter", "agent", "head", "admin"])
@pytest.mark.parametrize("where", ["own", "other"])
def test_contact_data_by_role_and_department(client, desk, login, role, where):
    session, ticket, users = desk
    user = login(users[role, where])
    sees = role == "admin" or where == "own"

    page = client.get(f"/staff/tickets/{display(ticket.code)}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Poste apagado en la esquina" in html  # the work itself
    api = client.get(f"/api/v1/tickets/{display(ticket.code)}/contact")

    if sees:
        assert all(value in html for value in PRIVATE) and RESERVED not in html
        assert api.status_code == 200 and api.get_json()["contact"]["email"] == VICTIM["email"]
        viewed = _rows(session, user, "contact_viewed")
        assert [(r.ticket_id, r.page) for r in viewed] == [(ticket.id, "staff.ticket_page")]
        by_api = _rows(session, user, "contact_api")
        assert [(r.ticket_id, r.page) for r in by_api] == [(ticket.id, "api.TicketContactView")]
    else:
        assert not any(value in html for value in PRIVATE)  # notices' recipients included
        assert RESERVED in html and "destinatario reservado" in html
        assert api.status_code == 403 and RESERVED in api.get_json()["message"]
        assert not any(value in api.get_data(as_text=True) for value in PRIVATE)
        assert _rows(session, user) == []  # nothing was shown: nothing to record


def test_counter_staff_see_again_the_tickets_they_filed_and_no_one_elses(
    client, desk, login, make_user
):
    session, _, users = desk
    oirs = session.scalar(select(Department).where(Department.code == "OIRS"))
    clerk, colleague = make_user("counter", department=oirs), make_user("counter", department=oirs)
    session.commit()
    login(clerk)  # files a DOP request for a walk-in: OIRS is not DOP
    assert client.post("/staff/counter", data=counter_data(session)).status_code == 303
    filed = session.scalar(select(Ticket).where(Ticket.channel == "counter"))
    assert filed.filed_by_id == clerk.id and filed.department.code == "DOP"
    code = display(filed.code)
    html = client.get(f"/staff/tickets/{code}").get_data(as_text=True)
    assert "Ana Torres" in html and RESERVED not in html
    assert client.get(f"/api/v1/tickets/{code}/contact").status_code == 200

    login(colleague)
    html = client.get(f"/staff/tickets/{code}").get_data(as_text=True)
    assert "Ana Torres" not in html and RESERVED in html
    assert client.get(f"/api/v1/tickets/{code}/contact").status_code == 403


@pytest.mark.parametrize("role", ["agent", "head"])
def test_only_counter_staff_and_admins_search_people(client, desk, login, role):
    session, _, users = desk
    login(users[role, "own"])
    assert 'name="buscar"' not in client.get("/staff/counter").get_data(as_text=True)
    refused = client.get("/staff/counter", query_string={"buscar": VICTIM["email"]})
    assert refused.status_code == 403
    assert not any(value in refused.get_data(as_text=True) for value in PRIVATE)
    assert _rows(session, users[role, "own"]) == []


@pytest.mark.parametrize("role", ["counter", "admin"])
def test_counter_staff_and_admins_search_by_rut_mobile_or_email(client, desk, login, role):
    session, ticket, users = desk
    login(users[role, "other"])  # serving people is not tied to a unit
    page = client.get("/staff/counter", query_string={"buscar": VICTIM["email"].upper()})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="buscar"' in html
    assert display(ticket.code) in html and VICTIM["name"] in html  # typed with that request
    [row] = _rows(session, users[role, "other"], "person_searched")
    assert row.query_kind == "email" and row.detail == {"found": 1, "tickets": [ticket.id]}


def test_staff_lists_dashboards_and_exports_carry_no_contact_data(client, desk, login):
    session, ticket, users = desk
    login(users["admin", "own"])  # who may see everything still gets none of it in lists
    for url in (
        "/staff/tickets",
        "/staff/dashboard",
        "/staff/dashboard.csv",
        "/api/v1/tickets",
        "/staff/avisos",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not any(value in response.get_data(as_text=True) for value in PRIVATE), url
