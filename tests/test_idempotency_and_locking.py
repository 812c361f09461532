"""A retried delivery creates no second ticket; a stale write is refused, never lost."""

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Ticket, TicketEvent
from app.tickets import Actor, StaleTicket, add_comment, transition


def test_the_same_channel_message_opens_one_ticket(session, make_ticket, make_category):
    category = make_category()
    first = make_ticket(category, channel="sms", source_ref="SM123", mobile="+56987654321")
    again = make_ticket(category, channel="sms", source_ref="SM123", mobile="+56987654321")
    assert again.id == first.id
    assert session.scalar(select(func.count(Ticket.id))) == 1
    assert session.scalar(select(func.count(TicketEvent.id))) == 1
    # The same reference on another channel is another message.
    other = make_ticket(category, channel="open311", source_ref="SM123")
    assert other.id != first.id


def test_a_form_based_on_an_old_version_is_refused(session, make_ticket, make_user):
    ticket = make_ticket()
    admin = Actor.staff(make_user("admin"))
    seen = ticket.version
    add_comment(session, ticket, admin, "Primera respuesta", expected_version=seen)
    with pytest.raises(StaleTicket) as refused:
        transition(session, ticket, "in_progress", admin, expected_version=seen)
    assert "Otra persona modificó esta solicitud" in refused.value.message
    assert ticket.status == "new"


def test_two_concurrent_sessions_the_second_writer_is_refused(app, session, make_ticket, make_user):
    """Two staff members load the same ticket; both act; the later commit is refused."""
    from app.extensions import db

    ticket = make_ticket()
    admin_id = make_user("admin").id
    session.commit()
    ticket_id = ticket.id

    results: dict[str, object] = {}
    barrier = threading.Barrier(2)

    def staff_member(name: str, target: str, delay_commit: bool) -> None:
        with app.app_context(), Session(db.engine) as own:
            from app.models import StaffUser

            t = own.get(Ticket, ticket_id)
            actor = Actor.staff(own.get(StaffUser, admin_id))
            barrier.wait()  # both have read version 1
            try:
                if delay_commit:
                    barrier.wait()  # let the other commit first
                transition(own, t, target, actor, body="Texto")
                own.commit()
                results[name] = "ok"
            except StaleTicket:
                own.rollback()
                results[name] = "stale"
            finally:
                if not delay_commit:
                    barrier.wait()

    first = threading.Thread(target=staff_member, args=("first", "in_progress", False))
    second = threading.Thread(target=staff_member, args=("second", "rejected", True))
    first.start(), second.start()
    first.join(10), second.join(10)

    assert results == {"first": "ok", "second": "stale"}
    session.expire_all()
    stored = session.get(Ticket, ticket_id)
    assert stored.status == "in_progress"
    assert stored.version == 2
