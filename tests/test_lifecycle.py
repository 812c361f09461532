"""The lifecycle table, exactly: every allowed transition works, every other one is refused,
and each change leaves its event in the append-only history."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import AppendOnlyError, TicketEvent
from app.tickets import (
    RESIDENT,
    SYSTEM,
    Actor,
    InvalidTransition,
    ValidationFailed,
    add_comment,
    mark_duplicate,
    resident_reply,
    transition,
)
from app.tickets.lifecycle import STATUSES, TRANSITIONS
from app.tickets.permissions import allowed_actions
from tests.support import TUESDAY_10AM

# How to bring a fresh ticket to each status (through allowed transitions only).
PATH_TO = {
    "new": [],
    "in_progress": ["in_progress"],
    "waiting_resident": ["waiting_resident"],
    "resolved": ["resolved"],
    "closed": ["resolved", "closed"],
    "rejected": ["rejected"],
    "duplicate": None,  # via mark_duplicate
}
ALL_PAIRS = [(a, b) for a in STATUSES for b in STATUSES if a != b]


@pytest.fixture
def admin(make_user):
    return Actor.staff(make_user("admin"))


@pytest.fixture
def ticket_in(session, make_ticket, admin):
    def bring(status: str):
        ticket = make_ticket()
        if status == "duplicate":
            original = make_ticket(ticket.category)
            mark_duplicate(session, ticket, original, admin)
            return ticket
        for step in PATH_TO[status]:
            transition(session, ticket, step, SYSTEM if step == "closed" else admin, body="Texto")
        assert ticket.status == status
        return ticket

    return bring


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_transition_table(session, ticket_in, admin, current, target):
    ticket = ticket_in(current)
    events_before = len(
        session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).all()
    )
    actor = SYSTEM if target == "closed" else admin
    allowed = target in TRANSITIONS[current] and target != "duplicate"
    if allowed:
        transition(session, ticket, target, actor, body="Texto público")
        assert ticket.status == target
        last = session.scalars(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket.id)
            .order_by(TicketEvent.id.desc())
        ).first()
        assert (last.kind, last.from_status, last.to_status) == ("status_changed", current, target)
        assert last.public is True
    else:
        with pytest.raises(InvalidTransition):
            transition(session, ticket, target, actor, body="Texto público")
        assert ticket.status == current
        events_after = session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
        ).all()
        assert len(events_after) == events_before


def test_duplicate_is_reachable_only_from_the_table_and_only_with_an_original(
    session, ticket_in, make_ticket, admin
):
    for status in STATUSES:
        ticket = ticket_in(status)
        original = make_ticket(ticket.category)
        if "duplicate" in TRANSITIONS[status]:
            mark_duplicate(session, ticket, original, admin)
            assert ticket.status == "duplicate" and ticket.duplicate_of is original
        else:
            with pytest.raises(InvalidTransition):
                mark_duplicate(session, ticket, original, admin)


def test_a_duplicate_points_to_the_root_and_the_original_gets_a_merged_event(
    session, make_ticket, admin
):
    root = make_ticket()
    middle = make_ticket(root.category)
    mark_duplicate(session, middle, root, admin)
    late = make_ticket(root.category)
    mark_duplicate(session, late, middle, admin)
    assert late.duplicate_of is root
    merged = session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == root.id, TicketEvent.kind == "merged")
    ).all()
    assert {e.data["duplicate"] for e in merged} == {middle.code, late.code}
    with pytest.raises(ValidationFailed):
        mark_duplicate(session, root, root, admin)


@pytest.mark.parametrize("target", ["waiting_resident", "resolved", "rejected"])
def test_staff_must_write_the_public_text(session, make_ticket, admin, target):
    ticket = make_ticket()
    with pytest.raises(ValidationFailed):
        transition(session, ticket, target, admin, body="   ")
    assert ticket.status == "new"


def test_opening_writes_a_created_event_and_due_instants(session, make_ticket):
    ticket = make_ticket()
    assert ticket.status == "new"
    [event] = ticket.events
    assert (event.kind, event.actor_kind, event.to_status, event.public) == (
        "created",
        "resident",
        "new",
        True,
    )
    # Filed Tuesday 10:00; one business day of first response, five of resolution.
    assert ticket.first_response_due_at == TUESDAY_10AM + timedelta(days=1)
    assert ticket.resolution_due_at == TUESDAY_10AM + timedelta(days=7)  # across a weekend


def test_first_public_staff_action_stamps_first_response(session, make_ticket, admin):
    ticket = make_ticket()
    add_comment(
        session, ticket, admin, "Nota interna", public=False, now=TUESDAY_10AM + timedelta(hours=1)
    )
    assert ticket.first_responded_at is None
    later = TUESDAY_10AM + timedelta(hours=2)
    add_comment(session, ticket, admin, "Estamos revisando su solicitud.", now=later)
    assert ticket.first_responded_at == later
    assert ticket.first_response_business_minutes == 120
    assert ticket.first_response_calendar_minutes == 120
    add_comment(session, ticket, admin, "Otra respuesta", now=later + timedelta(hours=1))
    assert ticket.first_responded_at == later


def test_a_status_change_out_of_new_is_a_first_response(session, make_ticket, admin):
    ticket = make_ticket()
    transition(session, ticket, "in_progress", admin, now=TUESDAY_10AM + timedelta(minutes=30))
    assert ticket.first_response_business_minutes == 30


def test_waiting_for_the_resident_pauses_the_resolution_clock(session, make_ticket, admin):
    ticket = make_ticket()
    due = ticket.resolution_due_at
    transition(
        session,
        ticket,
        "waiting_resident",
        admin,
        body="¿Qué número de casa?",
        now=TUESDAY_10AM + timedelta(hours=1),
    )
    # The resident answers the next day at the same hour: 9 working hours went by.
    resident_reply(
        session, ticket, "Frente al 1234", proof=None, now=TUESDAY_10AM + timedelta(days=1, hours=1)
    )
    assert ticket.status == "in_progress"
    assert ticket.paused_business_minutes == 540
    assert ticket.resolution_due_at == due + timedelta(days=1)
    transition(
        session,
        ticket,
        "resolved",
        admin,
        body="Reparada",
        now=TUESDAY_10AM + timedelta(days=1, hours=3),
    )
    # 1 day 3 h elapsed (12 working hours), minus the 9 h paused.
    assert ticket.resolution_business_minutes == 180
    assert ticket.resolution_calendar_minutes == 27 * 60
    kinds = [(e.kind, e.actor_kind) for e in ticket.events]
    assert ("comment", "resident") in kinds


def test_reopening_clears_the_resolution_and_closing_is_for_the_system(
    session, make_ticket, admin, make_user
):
    ticket = make_ticket()
    transition(session, ticket, "resolved", admin, body="Listo")
    assert ticket.resolved_at is not None
    transition(session, ticket, "in_progress", admin)
    assert ticket.resolved_at is None and ticket.resolution_business_minutes is None
    transition(session, ticket, "resolved", admin, body="Ahora sí")
    agent = Actor.staff(make_user("agent", department=ticket.department))
    from app.tickets import PermissionDenied

    with pytest.raises(PermissionDenied):
        transition(session, ticket, "closed", agent)
    transition(session, ticket, "closed", SYSTEM)
    assert ticket.closed_at is not None


def test_the_resident_cannot_write_on_a_closed_ticket(session, ticket_in):
    ticket = ticket_in("rejected")
    with pytest.raises(InvalidTransition):
        resident_reply(session, ticket, "Hola", proof=None)
    with pytest.raises(Exception):  # noqa: B017 - residents change status only by replying
        transition(session, ticket_in("new"), "resolved", RESIDENT, body="x")


@pytest.mark.parametrize("status", ["closed", "rejected", "duplicate"])
def test_staff_write_to_the_resident_only_on_a_ticket_still_alive(
    session, ticket_in, admin, status
):
    ticket = ticket_in(status)
    with pytest.raises(InvalidTransition):
        add_comment(session, ticket, admin, "¿Sigue el problema?")
    assert add_comment(session, ticket, admin, "Revisado en auditoría.", public=False)
    offered = allowed_actions(admin, ticket)
    assert "note" in offered and not {"reply", "take", "assign", "reroute"} & set(offered)


def test_events_are_append_only(session, make_ticket):
    first, second = make_ticket(), make_ticket()
    session.commit()
    first.events[0].body = "cambiado"
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()
    session.delete(second.events[0])
    with pytest.raises(AppendOnlyError):
        session.flush()
