"""The queue's counters (``ticket_counts``, app/tickets/counts.py) stay equal to counting the
tickets table through every way a ticket appears, moves or changes unit, concurrent changes
included (Postgres), and the queue page shows them scoped like its list."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from app.models import Ticket, TicketCount
from app.tickets import (
    Actor,
    mark_duplicate,
    reroute,
    transition,
    withdraw,
)
from app.tickets.counts import rebuild
from app.tickets.proof import VIA_LINK, ResidentProof
from tests.support import ENV_DATABASE_URL, TUESDAY_10AM

POSTGRES = (ENV_DATABASE_URL or "").startswith("postgres")


def counted(session) -> dict[tuple[int, str], int]:
    return {
        (d, s): n
        for d, s, n in session.execute(
            select(Ticket.department_id, Ticket.status, func.count()).group_by(
                Ticket.department_id, Ticket.status
            )
        )
    }


def kept(session) -> dict[tuple[int, str], int]:
    return {
        (row.department_id, row.status): row.tickets
        for row in session.scalars(select(TicketCount))
        if row.tickets
    }


def test_counts_stay_exact_through_every_change(session, make_ticket, make_category, make_user):
    lights = make_category("luminaria")
    trees = make_category("arbolado")
    head = Actor.staff(make_user("admin"))
    tickets = [make_ticket(lights) for _ in range(4)] + [make_ticket(trees)]
    assert (
        kept(session)
        == counted(session)
        == {
            (lights.department_id, "new"): 4,
            (trees.department_id, "new"): 1,
        }
    )
    transition(session, tickets[0], "in_progress", head, now=TUESDAY_10AM)
    assert kept(session) == counted(session)
    reroute(session, tickets[1], trees, head, reason="Es un árbol", now=TUESDAY_10AM)
    assert kept(session) == counted(session)
    mark_duplicate(session, tickets[2], tickets[0], head, now=TUESDAY_10AM)
    assert kept(session) == counted(session)
    withdraw(
        session, tickets[3], proof=ResidentProof(tickets[3].code, VIA_LINK, frozenset({"withdraw"}))
    )
    assert kept(session) == counted(session)
    session.commit()
    assert (
        kept(session)
        == counted(session)
        == {
            (lights.department_id, "in_progress"): 1,
            (lights.department_id, "duplicate"): 1,
            (lights.department_id, tickets[3].status): 1,
            (trees.department_id, "new"): 2,
        }
    )
    # A refused change leaves the counters as they were (rolled back with it).
    transition(session, tickets[4], "in_progress", head, now=TUESDAY_10AM)
    session.rollback()
    assert kept(session) == counted(session)
    # The bulk loaders' recount gives the same rows.
    before = kept(session)
    rebuild(session.connection())
    assert kept(session) == before


def test_queue_shows_the_counters_scoped_like_its_list(
    client, login, session, make_ticket, make_category, make_user
):
    lights = make_category("luminaria")
    trees = make_category("arbolado")
    for _ in range(3):
        make_ticket(lights)
    make_ticket(trees)
    agent = make_user("agent", department=lights.department)
    admin = make_user("admin")
    session.commit()

    def new_count(user) -> int:
        login(user)
        html = client.get("/staff/tickets").get_data(as_text=True)
        return int(re.search(r"Recibida: <strong>(\d+)</strong>", html).group(1))

    assert new_count(agent) == 3
    assert new_count(admin) == 4


@pytest.mark.skipif(not POSTGRES, reason="row locks under real concurrency: Postgres")
def test_concurrent_changes_keep_the_counts_exact(
    app, session, make_ticket, make_category, make_user
):
    from app.extensions import db
    from app.tickets import RESIDENT, TicketIntake, open_ticket

    lights = make_category("luminaria")
    admin = make_user("admin")
    ids = [make_ticket(lights).id for _ in range(6)]
    session.commit()
    category_id, admin_id = lights.id, admin.id
    gate = threading.Barrier(6)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with app.app_context():
                ticket = db.session.get(Ticket, ids[n])
                actor = Actor.staff(db.session.get(type(admin), admin_id))
                gate.wait(timeout=10)
                if n % 2:
                    transition(db.session, ticket, "in_progress", actor)
                else:
                    open_ticket(
                        db.session,
                        TicketIntake(
                            channel="web",
                            category_id=category_id,
                            description="Poste apagado en la esquina",
                        ),
                        RESIDENT,
                    )
                db.session.commit()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    session.expire_all()
    assert (
        kept(session)
        == counted(session)
        == {
            (lights.department_id, "new"): 6,
            (lights.department_id, "in_progress"): 3,
        }
    )
