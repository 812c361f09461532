"""The public tracking page costs one SQL statement when it is not cached (issue 20, item 4):
the ticket, its public events and its survey and photo marks together, no ORM entity."""

from __future__ import annotations

from sqlalchemy import select

from app.models import Category
from app.public import views
from app.tickets import Actor, transition
from app.tickets.codes import display
from tests.test_intake_statements import transaction_statements


def test_an_uncached_tracking_page_is_one_statement(app, client, demo, make_ticket, make_user):
    category = demo.scalar(select(Category).where(Category.code == "luminaria"))
    ticket = make_ticket(category, channel="web")
    agent = make_user("agent", department=category.department)
    transition(demo, ticket, "in_progress", Actor.staff(agent))
    demo.commit()
    code = display(ticket.code)
    client.get(f"/seguimiento/{code}")  # the first request of the process reads the catalogue
    views._page_cache.pages.clear()  # noqa: SLF001 - a cold page cache, as with random codes
    with transaction_statements(app) as seen:
        page = client.get(f"/seguimiento/{code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Solicitud recibida" in html and "En proceso" in html and category.name in html
    assert len(seen) == 1, seen
    with transaction_statements(app) as seen:  # cached: the version alone
        assert client.get(f"/seguimiento/{code}").get_data(as_text=True) == html
    assert len(seen) == 1 and "version" in seen[0], seen


def test_the_shared_page_is_the_one_the_orm_path_renders(app, client, demo, make_ticket):
    """Same HTML from the one-query record as from the entities (anonymous ticket: anyone may
    withdraw it, so the link shows)."""
    category = demo.scalar(select(Category).where(Category.code == "luminaria"))
    ticket = make_ticket(category, channel="web")
    demo.commit()
    code = display(ticket.code)
    views._page_cache.pages.clear()  # noqa: SLF001
    shared = client.get(f"/seguimiento/{code}").get_data(as_text=True)
    with app.test_request_context(f"/seguimiento/{code}"):
        html, _status = views.render_tracking(views._ticket_or_404(code))  # noqa: SLF001
    assert shared == html
