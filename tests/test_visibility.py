"""Who sees which tickets in lists: one rule (app/tickets/permissions.listed_where) for the
staff queue and the API — agents and heads their unit's, counter staff and admins all."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Category, StaffUser, utcnow
from app.tickets.codes import display


@pytest.fixture
def two_units(demo, make_ticket):
    lamp = demo.scalar(select(Category).where(Category.code == "luminaria"))
    other = demo.scalar(
        select(Category).where(
            Category.department_id != lamp.department_id, Category.is_triage.is_(False)
        )
    )
    tickets = {"lamp": make_ticket(lamp), "other": make_ticket(other)}
    demo.commit()
    return tickets


@pytest.mark.parametrize(
    ("email", "sees_other_unit"),
    [
        ("meson@demo.penalolen.cl", True),
        ("agente@demo.penalolen.cl", False),
        ("jefatura@demo.penalolen.cl", False),
        ("admin@demo.penalolen.cl", True),
    ],
)
def test_the_queue_and_the_api_list_the_same_tickets(
    client, demo, login, two_units, email, sees_other_unit
):
    login(demo.scalar(select(StaffUser).where(StaffUser.email == email)))
    queue = client.get("/staff/tickets").get_data(as_text=True)
    listed = client.get("/api/v1/tickets").get_json()
    api_codes = {item["code"] for item in listed["items"]}
    for name, ticket in two_units.items():
        expected = name == "lamp" or sees_other_unit
        assert (display(ticket.code) in queue) is expected, (email, name)
        assert (ticket.code in api_codes or display(ticket.code) in api_codes) is expected


def test_at_risk_means_past_75_percent_in_the_queue_and_on_the_ticket_page(
    client, demo, login, make_ticket
):
    lamp = demo.scalar(select(Category).where(Category.code == "luminaria"))
    now = utcnow()
    risky, calm = make_ticket(lamp, now=now), make_ticket(lamp, now=now)
    for ticket, warn_in in ((risky, timedelta(hours=-1)), (calm, timedelta(hours=1))):
        ticket.first_response_warn_at = now + warn_in
        ticket.first_response_due_at = ticket.next_due_at = now + timedelta(hours=2)
    demo.commit()
    login(demo.scalar(select(StaffUser).where(StaffUser.role == "admin")))

    listed = client.get("/staff/tickets?plazo=en_riesgo").get_data(as_text=True)
    assert display(risky.code) in listed and display(calm.code) not in listed
    risky_page = client.get(f"/staff/tickets/{display(risky.code)}").get_data(as_text=True)
    calm_page = client.get(f"/staff/tickets/{display(calm.code)}").get_data(as_text=True)
    assert "en riesgo:" in risky_page and "en riesgo:" not in calm_page
