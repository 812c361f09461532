"""Staff read channels by their names, never by the codes the database keeps."""

from sqlalchemy import select

from app.models import Category, StaffUser
from app.tickets.codes import display


def test_queue_ticket_page_and_dashboard_name_the_channel(client, demo, make_ticket, login):
    category = demo.scalar(select(Category).where(Category.code == "luminaria"))
    ticket = make_ticket(category, channel="counter")
    demo.commit()
    login(demo.scalar(select(StaffUser).where(StaffUser.role == "admin")))

    queue = client.get("/staff/tickets").get_data(as_text=True)
    assert '<td data-label="Canal">mesón</td>' in queue and ">counter</td>" not in queue
    page = client.get(f"/staff/tickets/{display(ticket.code)}").get_data(as_text=True)
    assert "<dd>mesón</dd>" in page and "<dd>counter</dd>" not in page
    dashboard = client.get("/staff/dashboard?periodo=ultimos-30-dias").get_data(as_text=True)
    assert ">counter<" not in dashboard and ">mesón<" in dashboard
