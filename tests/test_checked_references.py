"""What a request names is checked against what it claims: a Twilio 21610 callback suppresses
only the number its own notification went to, a retry belongs to the ticket in the URL, a
duplicate points only to a ticket the actor may work, SMS media are web links, and a CSV cell
never starts like a formula."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from app.models import (
    Category,
    Notification,
    SmsSuppression,
    StaffUser,
    Ticket,
    TicketEvent,
)
from app.tickets.codes import display

RESIDENT = "+56987654321"
STRANGER = "+56961234567"


def staff(session, email) -> StaffUser:
    return session.scalar(select(StaffUser).where(StaffUser.email == email))


def signed_post(client, path, params):
    url = f"http://testserver{path}"
    signature = RequestValidator("test-auth-token").compute_signature(url, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def sent_sms(session, ticket, recipient, sid, status="sent"):
    notification = Notification(
        ticket_id=ticket.id,
        channel="sms",
        recipient=recipient,
        template="public_reply",
        body="Hola",
        status=status,
        provider_id=sid,
        provider_status=status,
    )
    session.add(notification)
    session.commit()
    return notification


# --- 21610 ----------------------------------------------------------------------------------------


def test_a_21610_callback_suppresses_only_the_recipient_of_its_notification(
    client, demo, make_ticket
):
    ticket = make_ticket(demo.scalar(select(Category).limit(1)), channel="sms", mobile=RESIDENT)
    sent_sms(demo, ticket, RESIDENT, "SMout1")

    # Signed, but naming another number in To: only the notification's own recipient counts.
    answer = signed_post(
        client,
        "/channels/sms/status",
        {"MessageSid": "SMout1", "MessageStatus": "failed", "ErrorCode": "21610", "To": STRANGER},
    )
    assert answer.status_code == 204
    # A callback for a message we never sent suppresses nobody.
    signed_post(
        client,
        "/channels/sms/status",
        {
            "MessageSid": "SMunknown",
            "MessageStatus": "failed",
            "ErrorCode": "21610",
            "To": STRANGER,
        },
    )
    demo.expire_all()
    assert demo.get(SmsSuppression, RESIDENT) is not None
    assert demo.get(SmsSuppression, STRANGER) is None


# --- retrying a notification ----------------------------------------------------------------------


def test_a_retry_belongs_to_the_ticket_in_the_url(client, demo, login, make_ticket):
    agent = staff(demo, "agente@demo.penalolen.cl")
    category = demo.scalar(
        select(Category).where(Category.department_id == agent.department_id).limit(1)
    )
    mine = make_ticket(category, channel="sms", mobile=RESIDENT)
    other = make_ticket(category, channel="sms", mobile=STRANGER)
    failed = sent_sms(demo, other, STRANGER, "SMfailed", status="failed")
    before = demo.scalar(select(func.count(Notification.id)))
    login(agent)

    crossed = client.post(f"/staff/tickets/{display(mine.code)}/avisos/{failed.id}/reintentar")
    assert crossed.status_code == 404
    assert demo.scalar(select(func.count(Notification.id))) == before

    own = client.post(f"/staff/tickets/{display(other.code)}/avisos/{failed.id}/reintentar")
    assert own.status_code == 303
    assert demo.scalar(select(func.count(Notification.id))) == before + 1


# --- duplicates -----------------------------------------------------------------------------------


def test_a_duplicate_points_only_to_a_ticket_the_actor_may_work(client, demo, login, make_ticket):
    agent = staff(demo, "agente@demo.penalolen.cl")
    own_category = demo.scalar(
        select(Category).where(Category.department_id == agent.department_id).limit(1)
    )
    foreign_category = demo.scalar(
        select(Category).where(Category.department_id != agent.department_id).limit(1)
    )
    mine = make_ticket(own_category)
    foreign = make_ticket(foreign_category)
    same_unit = make_ticket(own_category)
    demo.commit()
    login(agent)
    page = f"/staff/tickets/{display(mine.code)}"

    refused = client.post(
        page, data={"action": "duplicate", "version": mine.version, "original": foreign.code}
    )
    assert refused.status_code == 403
    assert "solicitud que usted puede atender" in refused.get_data(as_text=True)
    demo.expire_all()
    assert demo.get(Ticket, mine.id).status == "new"
    assert (
        demo.scalar(select(func.count(TicketEvent.id)).where(TicketEvent.ticket_id == foreign.id))
        == 1
    )  # only its opening: no "merged" note from another unit

    accepted = client.post(
        page, data={"action": "duplicate", "version": mine.version, "original": same_unit.code}
    )
    assert accepted.status_code == 303
    demo.expire_all()
    assert demo.get(Ticket, mine.id).duplicate_of_id == same_unit.id


# --- SMS media ------------------------------------------------------------------------------------


def test_sms_media_are_kept_only_as_web_links(client, demo):
    twilio_media = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
    answer = signed_post(
        client,
        "/channels/sms/inbound",
        {
            "From": RESIDENT,
            "To": "+56229999999",
            "Body": "Hay un poste de luz apagado en Av. Grecia 8735",
            "MessageSid": "SM" + "5" * 32,
            "NumMedia": "4",
            "MediaUrl0": "javascript:alert(document.cookie)",
            "MediaUrl1": twilio_media,
            "MediaUrl2": "file:///etc/passwd",
            "MediaUrl3": "data:text/html,<script>alert(1)</script>",
        },
    )
    assert answer.status_code == 200
    assert demo.scalar(select(Ticket)).media_urls == [twilio_media]


# --- CSV ------------------------------------------------------------------------------------------


def test_no_csv_cell_starts_like_a_formula(client, demo, login, make_department, make_ticket):
    names = ["|calc'!A0", "\t=1+2", "\r=1+2", "=HYPERLINK(1)", "+1", "-1", "@SUM(1)"]
    department = make_department(code="DX", name="|cmd /c calc")
    for n, name in enumerate(names):
        category = Category(
            code=f"x{n}",
            department=department,
            name=name,
            first_response_minutes=540,
            resolution_minutes=2700,
        )
        demo.add(category)
        demo.flush()
        make_ticket(category)
    demo.commit()
    login(staff(demo, "admin@demo.penalolen.cl"))
    response = client.get(
        "/staff/dashboard.csv", query_string={"desde": "2026-11-01", "hasta": "2026-11-30"}
    )
    assert response.status_code == 200
    cells = [
        cell
        for row in csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
        for cell in row
    ]
    labels = {cell.lstrip("'") for cell in cells}
    assert set(names) | {"|cmd /c calc"} <= labels  # every name is there...
    risky = [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r", "|")]
    assert risky == []  # ...and none can run as a formula
