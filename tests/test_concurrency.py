"""Real concurrent requests against a real threaded server (``live_server``): stale edits are
409 with what was typed, racing retries of one ``source_ref`` answer 201 once, and a database
connection dropped under a webhook is retried, never a 5xx.

Where a race must happen in a given order, a SQLAlchemy event in the server holds one request at
the point the race is about (its flush), while the other request runs to the end.
"""

from __future__ import annotations

import queue
import re
import threading
import urllib.parse
from collections import Counter
from collections.abc import Callable

import psycopg
import pytest
import requests
from sqlalchemy import event, func, select
from twilio.request_validator import RequestValidator

from app.models import ApiKey, InboundSms, Ticket, TicketEvent
from app.tickets.codes import display
from tests.support import ENV_DATABASE_URL, TEST_PASSWORD

STALE = "Otra persona modificó esta solicitud"
POSTGRES = (ENV_DATABASE_URL or "").startswith("postgres")


class HoldTheLoser:
    """The first request that writes a ticket is the loser: each time it is about to send its
    UPDATE (in whatever flush: an autoflush from a lazy load included) it is held until
    ``release``, with the version it read; writes from other requests pass."""

    def __init__(self) -> None:
        self.held: queue.Queue[int] = queue.Queue()
        self.released = threading.Semaphore(0)
        self.loser: int | None = None
        self.open = False

    def __call__(self, mapper, connection, target) -> None:  # noqa: ARG002 - event signature
        me = threading.get_ident()
        if self.loser is None:
            self.loser = me
        if me == self.loser and not self.open:
            self.held.put(me)
            self.released.acquire(timeout=15)

    def __enter__(self) -> HoldTheLoser:
        event.listen(Ticket, "before_update", self)
        return self

    def __exit__(self, *exc) -> None:
        self.open = True
        self.released.release(10)
        event.remove(Ticket, "before_update", self)


def race(loser: Callable[[], requests.Response], *winners: Callable[[], requests.Response]):
    """``loser`` reads the ticket and is held at its write while a ``winner`` changes the ticket;
    then again at its next write (a retry) for the next winner, and so on."""
    answers: dict[str, requests.Response] = {}
    with HoldTheLoser() as hold:
        thread = threading.Thread(target=lambda: answers.setdefault("loser", loser()))
        thread.start()
        won = []
        for number, winner in enumerate(winners, 1):
            hold.held.get(timeout=15)
            won.append(winner())
            hold.open = number == len(winners)
            hold.released.release()
        thread.join(30)
    return answers["loser"], *won


def staff_browser(base: str, user) -> requests.Session:
    http = requests.Session()
    response = http.post(
        f"{base}/staff/login",
        data={"email": user.email, "password": TEST_PASSWORD, "next": ""},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 303, response.text
    return http


@pytest.fixture
def contested(session, make_ticket, make_user):
    """A ticket whose resident gets notices (so the outbox reads ``ticket.contact``), and two
    admins logged in on their own browsers."""
    ticket = make_ticket(mobile="+56987654321", consent_notify=True)
    first, second = make_user("admin"), make_user("admin")
    session.commit()
    return display(ticket.code), ticket.id, first, second


def stored(session, ticket_id: int) -> tuple[int, list[str]]:
    session.expire_all()
    ticket = session.get(Ticket, ticket_id)
    bodies = session.scalars(
        select(TicketEvent.body)
        .where(TicketEvent.ticket_id == ticket_id, TicketEvent.kind == "comment")
        .order_by(TicketEvent.id)
    ).all()
    return ticket.version, list(bodies)


def test_ui_the_loser_of_a_true_race_gets_409_with_its_text_and_the_new_version(
    live_server, session, contested
):
    code, ticket_id, first, second = contested
    loser_http, winner_http = staff_browser(live_server, first), staff_browser(live_server, second)
    url = f"{live_server}/staff/tickets/{code}"

    def reply(http, text):
        data = {"action": "reply", "version": "1", "body": text}
        return lambda: http.post(url, data=data, allow_redirects=False, timeout=30)

    loser, winner = race(
        reply(loser_http, "Respuesta que escribió la primera funcionaria"),
        reply(winner_http, "Respuesta de la segunda funcionaria"),
    )

    assert winner.status_code == 303
    assert loser.status_code == 409, loser.text[-2000:]
    assert STALE in loser.text
    assert "Respuesta que escribió la primera funcionaria" in loser.text  # what they typed
    assert re.search(r'name="version" value="2"', loser.text)  # the new version, to resend
    assert stored(session, ticket_id) == (2, ["Respuesta de la segunda funcionaria"])


def test_api_the_loser_of_a_true_race_gets_409_json(live_server, session, contested):
    code, ticket_id, first, second = contested
    loser_http, winner_http = staff_browser(live_server, first), staff_browser(live_server, second)
    url = f"{live_server}/api/v1/tickets/{code}/events"

    def comment(http, text):
        body = {"kind": "comment", "version": 1, "body": text}
        return lambda: http.post(url, json=body, timeout=30)

    loser, winner = race(
        comment(loser_http, "Comentario perdedor"), comment(winner_http, "Comentario ganador")
    )

    assert winner.status_code == 201
    assert loser.status_code == 409, loser.text[-2000:]
    assert loser.headers["Content-Type"].startswith("application/json")
    assert STALE in loser.json()["message"]
    assert stored(session, ticket_id) == (2, ["Comentario ganador"])


@pytest.fixture
def waiting(live_server, session, make_ticket, make_user):
    """A ticket waiting for its resident, and a staff member who adds notes meanwhile."""
    from app.tickets import Actor, transition

    # Filed without contact: its code is all a resident has to prove, so the reply goes
    # straight to the race (a ticket with a contact asks the resident's proof first).
    ticket = make_ticket()
    admin = make_user("admin")
    transition(session, ticket, "waiting_resident", Actor.staff(admin), body="¿Qué número?")
    session.commit()
    code, ticket_id = display(ticket.code), ticket.id
    staff = staff_browser(live_server, admin)

    def resident_replies():
        return requests.post(
            f"{live_server}/seguimiento/{code}/responder",
            data={"body": "Es el número 1234"},
            allow_redirects=False,
            timeout=30,
        )

    def staff_note(version: int):
        return lambda: staff.post(
            f"{live_server}/staff/tickets/{code}",
            data={"action": "note", "version": str(version), "body": f"Nota {version}"},
            allow_redirects=False,
            timeout=30,
        )

    return ticket_id, ticket.version, resident_replies, staff_note


def test_a_resident_reply_that_meets_a_staff_change_is_applied_again_not_lost(session, waiting):
    """The resident saw no version: their reply is applied again on top of the staff change."""
    ticket_id, version, resident_replies, staff_note = waiting

    loser, winner = race(resident_replies, staff_note(version))

    assert winner.status_code == 303
    assert loser.status_code == 303, loser.text[-2000:]
    session.expire_all()
    assert session.get(Ticket, ticket_id).status == "in_progress"
    assert "Es el número 1234" in stored(session, ticket_id)[1]


def test_a_resident_reply_that_loses_twice_gets_a_spanish_409_page(session, waiting):
    ticket_id, version, resident_replies, staff_note = waiting

    loser, *winners = race(resident_replies, staff_note(version), staff_note(version + 1))

    assert [w.status_code for w in winners] == [303, 303]
    assert loser.status_code == 409, loser.text[-2000:]
    assert STALE in loser.text and "text/html" in loser.headers["Content-Type"]
    session.expire_all()
    assert session.get(Ticket, ticket_id).status == "waiting_resident"
    assert "Es el número 1234" not in stored(session, ticket_id)[1]


def test_racing_retries_of_one_source_ref_answer_201_once_then_200(live_server, session, demo):
    key = "cnd_racing-client-key"
    session.add(ApiKey(name="racer", prefix=key[:10], key_hash=ApiKey.hash_key(key)))
    session.commit()
    refs, copies = [f"pedido-{n}" for n in range(10)], 4
    answers: dict[str, list[tuple[int, str]]] = {ref: [] for ref in refs}
    lock = threading.Lock()

    def deliver(ref: str, start: threading.Barrier) -> None:
        body = {
            "category": "luminaria",
            "description": "Poste apagado frente al número 1234",
            "source_ref": ref,
        }
        start.wait(10)
        response = requests.post(
            f"{live_server}/api/v1/tickets", json=body, headers={"X-API-Key": key}, timeout=60
        )
        with lock:
            answers[ref].append((response.status_code, response.json().get("code")))

    for ref in refs:
        start = threading.Barrier(copies)
        threads = [threading.Thread(target=deliver, args=(ref, start)) for _ in range(copies)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

    for ref, got in answers.items():
        statuses = Counter(status for status, _ in got)
        assert statuses == {201: 1, 200: copies - 1}, (ref, got)
        assert len({code for _, code in got}) == 1, (ref, got)
    assert session.scalar(select(func.count(Ticket.id))) == len(refs)


# --- a dropped database connection under the SMS webhook (Postgres) ----------------------------

WEBHOOK = "http://testserver/channels/sms/inbound"  # PUBLIC_BASE_URL in the test app


def text_message(base: str, sid: str, body: str, sender: str = "+56987654321"):
    params = {"From": sender, "To": "+56229999999", "Body": body, "MessageSid": sid}
    signature = RequestValidator("test-auth-token").compute_signature(WEBHOOK, params)
    return requests.post(
        f"{base}/channels/sms/inbound",
        data=urllib.parse.urlencode(params),
        headers={
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        },
        timeout=30,
    )


@pytest.fixture
def terminate(app):
    """``terminate(pid)`` ends backends of the test database from outside (as an operator or
    a failover would): that one, or (no pid) every one but the caller's."""
    if not POSTGRES:
        pytest.skip("terminating database connections needs Postgres (CI runs it)")
    from app.extensions import db

    with app.app_context():
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    backends = (
        "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " AND (%(pid)s::int IS NULL OR pid = %(pid)s::int)"
    )

    def run(pid: int | None = None) -> None:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) " + backends, {"pid": pid})
            for _ in range(100):  # it only signals: wait until they are gone
                if not admin.execute("SELECT count(*) " + backends, {"pid": pid}).fetchone()[0]:
                    return
                threading.Event().wait(0.05)

    return run


def kill_own_connection_at(app, terminate, event_name: str, statement: str | None = None):
    """At the first statement starting with ``statement`` (``before_cursor_execute``) or the
    first COMMIT (``commit``), terminate the connection it runs on before it reaches Postgres.
    Returns the function that removes the trap."""
    from app.extensions import db

    done = threading.Event()

    def trap(conn, *args) -> None:
        if done.is_set() or (statement and not args[1].startswith(statement)):
            return
        done.set()
        terminate(conn.connection.dbapi_connection.info.backend_pid)

    with app.app_context():
        engine = db.engine
    event.listen(engine, event_name, trap)
    return lambda: event.remove(engine, event_name, trap)


@pytest.mark.postgres
@pytest.mark.faults
@pytest.mark.parametrize(
    ("event_name", "statement"),
    [
        ("before_cursor_execute", "INSERT INTO tickets"),  # in the middle of the transaction
        ("commit", None),  # as the COMMIT is sent
    ],
)
def test_a_connection_dropped_under_the_sms_webhook_is_retried_no_5xx_one_ticket(
    app, live_server, session, demo, terminate, event_name, statement
):
    terminate()  # between calls too: every pooled connection is dead before the first one
    stop = kill_own_connection_at(app, terminate, event_name, statement)
    try:
        first = text_message(
            live_server, "SM" + "7" * 32, "Semáforo apagado en Grecia con Tobalaba"
        )
    finally:
        stop()
    again = text_message(live_server, "SM" + "7" * 32, "Semáforo apagado en Grecia con Tobalaba")

    assert first.status_code == 200, first.text[-2000:]
    assert again.status_code == 200 and again.text == first.text  # Twilio's retry: same answer
    session.expire_all()
    ticket = session.scalar(select(Ticket))
    assert session.scalar(select(func.count(Ticket.id))) == 1
    assert session.scalar(select(func.count(InboundSms.id))) == 1
    assert display(ticket.code) in first.text


@pytest.mark.postgres
@pytest.mark.faults
def test_a_connection_dropped_under_the_web_form_is_retried(
    app, live_server, session, demo, terminate
):
    from app.models import Category

    category = session.scalar(select(Category).where(Category.code == "luminaria"))
    stop = kill_own_connection_at(app, terminate, "before_cursor_execute", "INSERT INTO tickets")
    try:
        answer = requests.post(
            f"{live_server}/solicitudes/nueva",
            data={"category": str(category.id), "description": "Luminaria apagada en el pasaje"},
            allow_redirects=False,
            timeout=30,
        )
    finally:
        stop()
    assert answer.status_code == 303, answer.text[-2000:]
    session.expire_all()
    assert session.scalar(select(func.count(Ticket.id))) == 1
