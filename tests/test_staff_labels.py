"""Staff read Spanish (or English), never the codes the software uses inside: every staff page,
rendered with a rich history, shows no status, channel, role, event kind, notice status or
template, or category code as visible text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from app.demo import seed
from app.models import (
    Category,
    Contact,
    Department,
    Notification,
    StaffUser,
    TicketEvent,
)
from app.tickets import Actor, TicketIntake, add_comment, assign, mark_duplicate, open_ticket
from app.tickets.codes import display
from app.tickets.lifecycle import STATUSES
from app.tickets.service import reroute

CHANNEL_CODES = {"web", "sms", "counter", "phone", "api", "open311", "email"}
ROLE_CODES = {"counter", "agent", "head", "admin", "privacy"}
EVENT_KINDS = {
    "created",
    "status_changed",
    "routed",
    "assigned",
    "comment",
    "internal_note",
    "notification",
    "sla_warning",
    "sla_breached",
    "merged",
    "survey",
    "person_linked",
    "contact_rectified",
    "public_summary",
}
NOTICE_STATUSES = {"pending", "sending", "sent", "delivered", "undelivered", "failed", "suppressed"}
NOTICE_TEMPLATES = {
    "received",
    "info_requested",
    "public_reply",
    "resolved",
    "rejected",
    "duplicate",
    "survey",
    "assigned",
}
# Pieces of visible text are cut at the separators staff pages put between values.
SEPARATORS = re.compile(r"\s*(?:·|→|\||:|\(|\)|\[|\]|;|/|\u2013|\u2014)\s*")


class VisibleText(HTMLParser):
    """The text a person reads: text nodes outside script/style, plus option labels."""

    def __init__(self) -> None:
        super().__init__()
        self.pieces: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "svg"):
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "title", "alt", "placeholder") and value:
                self.pieces.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "svg") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.pieces.append(data.strip())


def raw_codes(html: str, codes: set[str]) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    found = []
    for piece in parser.pieces:
        for part in SEPARATORS.split(piece):
            if part.strip() in codes:
                found.append(f"{part.strip()!r} in {piece[:80]!r}")
    return found


@pytest.fixture
def rich_desk(demo):
    """The demo desk with tickets, plus one counter ticket with every kind of history."""
    session = demo
    seed(session, tickets=40)
    counter = session.scalar(select(StaffUser).where(StaffUser.role == "counter"))
    head = session.scalar(
        select(StaffUser).where(StaffUser.role == "head", StaffUser.department_id.is_not(None))
    )
    department = session.get(Department, head.department_id)
    categories = session.scalars(
        select(Category).where(Category.department_id == department.id)
    ).all()
    other = session.scalar(select(Category).where(Category.department_id != department.id))
    actor_head = Actor.staff(head)
    ticket = open_ticket(
        session,
        TicketIntake(
            channel="counter",
            category_id=categories[0].id,
            description="Hoyo grande en la vereda",
            name="Ana Torres",
            rut="12.345.678-5",
            mobile="+56961234321",
            consent_notify=True,
            rut_attested=True,
        ),
        Actor.staff(counter),
    )
    original = open_ticket(
        session,
        TicketIntake(channel="phone", category_id=categories[0].id, description="Otro hoyo"),
        Actor.staff(counter),
    )
    assign(session, ticket, head, actor_head)
    add_comment(session, ticket, actor_head, "Vamos en camino.", public=True)
    add_comment(session, ticket, actor_head, "Revisar mañana.", public=False)
    twin = open_ticket(
        session,
        TicketIntake(
            channel="sms", category_id=categories[0].id, description="Hoyo", mobile="+56961234321"
        ),
        Actor.staff(counter),
    )
    mark_duplicate(session, twin, original, actor_head)
    reroute(session, ticket, other, actor_head, reason="Es de otra unidad")
    for status, notification in zip(
        ("sent", "failed", "delivered", "pending"),
        session.scalars(select(Notification).order_by(Notification.id)).all(),
        strict=False,
    ):
        notification.status = status
    session.commit()
    person = session.scalar(select(Contact).where(Contact.rut.is_not(None)))
    return {"ticket": ticket, "twin": twin, "person": person, "department": department}


def all_codes(session) -> set[str]:
    category_codes = set(session.scalars(select(Category.code)))
    department_codes = set(session.scalars(select(Department.code)))
    return (
        set(STATUSES)
        | CHANNEL_CODES
        | ROLE_CODES
        | EVENT_KINDS
        | NOTICE_STATUSES
        | NOTICE_TEMPLATES
        | category_codes
        | (department_codes - {"OIRS", "DIDECO", "DOP", "DIMAO"})  # acronyms people use
    )


@pytest.mark.parametrize("lang", ["es", "en"])
def test_no_staff_page_shows_an_internal_code(client, demo, rich_desk, login, lang):
    session = demo
    admin = session.scalar(select(StaffUser).where(StaffUser.role == "admin"))
    ticket, twin, person = rich_desk["ticket"], rich_desk["twin"], rich_desk["person"]
    kinds = set(session.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id)))
    assert {"created", "routed", "assigned", "comment", "internal_note"} <= kinds
    category = session.scalar(select(Category))
    some_user = session.scalar(select(StaffUser).where(StaffUser.role == "agent"))
    pages = [
        "/staff/tickets",
        "/staff/tickets?estado=closed",
        "/staff/tickets?estado=duplicate",
        f"/staff/tickets/{display(ticket.code)}",
        f"/staff/tickets/{display(twin.code)}",
        "/staff/counter",
        "/staff/counter?buscar=12.345.678-5",
        f"/staff/counter/comprobante/{display(ticket.code)}",
        "/staff/admin",
        f"/staff/admin/usuarios/{some_user.id}",
        "/staff/admin/usuarios/nuevo",
        f"/staff/admin/unidades/{rich_desk['department'].id}",
        f"/staff/admin/categorias/{category.id}",
        "/staff/admin/calendario",
        "/staff/admin/claves",
        "/staff/admin/accesos",
        "/staff/avisos",
        "/staff/mapa",
        "/staff/dashboard",
        "/staff/privacidad",
        "/staff/password",
    ]
    if person is not None:
        pages += [f"/staff/personas/{person.id}", f"/staff/privacidad/personas/{person.id}"]
    codes = all_codes(session)
    if lang == "en":  # English labels that are also codes: the counter's channel reads "counter"
        codes -= {"counter", "phone"}
    login(admin)
    problems = {}
    for url in pages:
        separator = "&" if "?" in url else "?"
        response = client.get(f"{url}{separator}lang={lang}")
        assert response.status_code == 200, url
        found = raw_codes(response.get_data(as_text=True), codes)
        if found:
            problems[url] = found
    assert problems == {}, "\n".join(f"{url}: {found}" for url, found in problems.items())
