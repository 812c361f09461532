"""Each role against each action, in the domain (views only ask)."""

import pytest

from app.tickets import (
    Actor,
    PermissionDenied,
    add_comment,
    assign,
    mark_duplicate,
    reroute,
    transition,
)

# action -> roles allowed on a ticket of their own department
OWN_DEPARTMENT = {
    "comment": {"counter", "agent", "head", "admin"},
    "note": {"counter", "agent", "head", "admin"},
    "transition": {"agent", "head", "admin"},
    "take": {"agent", "head"},  # an admin has no unit, so holds no tickets
    "assign": {"head", "admin"},
    "reroute": {"head", "admin"},
    "mark_duplicate": {"agent", "head", "admin"},
}
# on a ticket of another department, only these remain
OTHER_DEPARTMENT = {
    "comment": {"counter", "admin"},
    "note": {"counter", "admin"},
    "transition": {"admin"},
    "take": set(),
    "assign": {"admin"},
    "reroute": {"admin"},
    "mark_duplicate": {"admin"},
}


@pytest.fixture
def world(session, make_department, make_category, make_user, make_ticket):
    own = make_department("OWN")
    other = make_department("OTHER")
    own_category = make_category("own_cat", department=own)
    other_category = make_category("other_cat", department=other)
    spare_category = make_category("spare_cat", department=other)
    users = {
        role: make_user(role, department=None if role == "admin" else own)
        for role in ("counter", "agent", "head", "admin")
    }
    colleague = make_user("agent", department=own)
    return {
        "own": own_category,
        "other": other_category,
        "spare": spare_category,
        "users": users,
        "colleague": colleague,
        "make_ticket": make_ticket,
    }


def perform(session, action, actor, ticket, world):
    spare = world["make_ticket"](ticket.category)
    match action:
        case "comment":
            add_comment(session, ticket, actor, "Respuesta pública")
        case "note":
            add_comment(session, ticket, actor, "Nota interna", public=False)
        case "transition":
            transition(session, ticket, "in_progress", actor)
        case "take":
            assign(session, ticket, actor.user, actor)
        case "assign":
            colleague = world["colleague"] if ticket.category is world["own"] else None
            assign(session, ticket, colleague, actor)
        case "reroute":
            target = world["spare"] if ticket.category is not world["spare"] else world["own"]
            reroute(session, ticket, target, actor, reason="Corresponde a otra unidad")
        case "mark_duplicate":
            mark_duplicate(session, ticket, spare, actor)


@pytest.mark.parametrize("role", ["counter", "agent", "head", "admin"])
@pytest.mark.parametrize("action", sorted(OWN_DEPARTMENT))
@pytest.mark.parametrize("where", ["own", "other"])
def test_role_against_action(session, world, role, action, where):
    ticket = world["make_ticket"](world[where])
    actor = Actor.staff(world["users"][role])
    allowed = (OWN_DEPARTMENT if where == "own" else OTHER_DEPARTMENT)[action]
    version = ticket.version
    if role in allowed:
        perform(session, action, actor, ticket, world)
        assert ticket.version > version
    else:
        with pytest.raises(PermissionDenied):
            perform(session, action, actor, ticket, world)
        assert ticket.version == version
        assert len(ticket.events) == 1


def test_an_agent_cannot_work_another_departments_ticket(session, world):
    ticket = world["make_ticket"](world["other"])
    agent = Actor.staff(world["users"]["agent"])
    with pytest.raises(PermissionDenied) as refused:
        transition(session, ticket, "resolved", agent, body="Listo")
    assert refused.value.message == "No tiene permiso para realizar esta acción."
    assert ticket.status == "new"


def test_an_inactive_user_can_do_nothing(session, world):
    user = world["users"]["admin"]
    user.active = False
    with pytest.raises(PermissionDenied):
        add_comment(session, world["make_ticket"](world["own"]), Actor.staff(user), "Hola")


def test_tickets_are_assigned_only_within_their_department(session, world, make_user):
    from app.tickets import ValidationFailed

    ticket = world["make_ticket"](world["own"])
    head = Actor.staff(world["users"]["head"])
    outsider = make_user("agent", department=world["other"].department)
    with pytest.raises(ValidationFailed):
        assign(session, ticket, outsider, head)
    with pytest.raises(ValidationFailed):
        assign(session, ticket, world["users"]["counter"], head)
    assign(session, ticket, world["colleague"], head)
    assert ticket.assignee is world["colleague"]


def test_rerouting_to_another_department_unassigns_and_keeps_the_clock(session, world):
    ticket = world["make_ticket"](world["own"])
    head = Actor.staff(world["users"]["head"])
    assign(session, ticket, world["colleague"], head)
    reroute(session, ticket, world["other"], head, reason="Es de otra dirección")
    assert ticket.department_id == world["other"].department_id
    assert ticket.assignee is None
    routed = ticket.events[-1]
    assert routed.kind == "routed" and routed.data["reason"] == "Es de otra dirección"
