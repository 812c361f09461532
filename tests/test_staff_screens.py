"""Staff screens as their people use them: the queue finds "maria" in "María" and a person by
RUT (with a trail row), says when a date is wrong, sorts and pages back; the counter keeps a
RUT with a wrong check digit and says why, and puts the cursor where the next keystroke goes;
an action says what it did; a refused page says "no tiene permiso"; duplicates stay out of
compliance; an admin holds no tickets; a code typed with a dash from a phone is read."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from app.dashboards.scope import Scope
from app.models import AccessLogEntry, Category, StaffUser
from app.tickets import Actor, mark_duplicate, transition
from app.tickets.codes import display, generate, parse
from app.tickets.permissions import assignees_where, can_be_assignee


def user(session, email):
    return session.scalar(select(StaffUser).where(StaffUser.email == email))


def category(session, code):
    return session.scalar(select(Category).where(Category.code == code))


def text(response) -> str:
    return response.get_data(as_text=True)


def tag(page: str, element_id: str) -> str:
    return re.search(rf'<[a-z]+\b[^>]*\bid="{element_id}"[^>]*>', page).group(0)


def focused(page: str) -> str:
    """The id of the element the server marked for the cursor (autofocus)."""
    marked = re.findall(r"<[a-z]+\b[^>]*\bautofocus\b[^>]*>", page)
    assert len(marked) == 1, marked
    return re.search(r'\bid="([^"]+)"', marked[0]).group(1)


def test_queue_search_ignores_accents_and_case(client, demo, login, make_ticket):
    light = category(demo, "luminaria")
    found = make_ticket(light, description="La señora María pide revisar el poste")
    other = make_ticket(light, description="Poste apagado")
    demo.commit()
    login(user(demo, "agente@demo.penalolen.cl"))
    page = text(client.get("/staff/tickets?q=MARIA+pide"))
    assert display(found.code) in page and display(other.code) not in page
    assert display(found.code) in text(client.get("/staff/tickets?q=senora"))


def test_queue_finds_a_persons_tickets_by_rut_and_records_the_search(
    client, demo, login, make_ticket
):
    light = category(demo, "luminaria")
    theirs = make_ticket(light, channel="web", rut="12.345.678-5", name="Ana")
    others = make_ticket(light, channel="web", mobile="+56961234321")
    demo.commit()
    login(user(demo, "admin@demo.penalolen.cl"))
    before = demo.scalar(select(func.count()).select_from(AccessLogEntry))
    page = text(client.get("/staff/tickets?persona=12.345.678-5"))
    assert display(theirs.code) in page and display(others.code) not in page
    kinds = demo.scalars(select(AccessLogEntry.kind).order_by(AccessLogEntry.id)).all()
    assert len(kinds) == before + 1 and kinds[-1] == "person_searched"
    by_mobile = text(client.get("/staff/tickets?persona=9+6123+4321"))
    assert display(others.code) in by_mobile and display(theirs.code) not in by_mobile

    wrong = client.get("/staff/tickets?persona=12.345.678-9")
    assert wrong.status_code == 422
    assert "El dígito verificador no corresponde" in text(wrong)
    assert 'id="persona" name="persona" autocomplete="off" value="12.345.678-9"' in text(wrong)

    # Agents search descriptions, not people: no field, and the URL answers 403.
    login(user(demo, "agente@demo.penalolen.cl"))
    assert 'id="persona"' not in text(client.get("/staff/tickets"))
    assert client.get("/staff/tickets?persona=12.345.678-5").status_code == 403


def test_queue_says_when_dates_are_wrong_or_inverted(client, demo, login):
    login(user(demo, "agente@demo.penalolen.cl"))
    bad = client.get("/staff/tickets?desde=2026-13-40")
    assert bad.status_code == 422
    assert 'href="#desde">Escriba una fecha válida' in text(bad)
    assert 'aria-invalid="true" aria-describedby="desde-error"' in text(bad)
    inverted = client.get("/staff/tickets?desde=2026-11-20&hasta=2026-11-01")
    assert inverted.status_code == 422 and "es anterior a" in text(inverted)


def test_queue_sorts_and_pages_back(client, demo, login, make_ticket, monkeypatch):
    import app.staff.queue as queue

    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    light = category(demo, "luminaria")
    codes = [display(make_ticket(light).code) for _ in range(5)]
    demo.commit()
    login(user(demo, "admin@demo.penalolen.cl"))
    first = text(client.get("/staff/tickets?orden=recientes"))
    assert "Página anterior" not in first
    next_url = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = text(client.get(next_url))
    prev_url = re.search(r'rel="prev" href="([^"]+)"', second).group(1).replace("&amp;", "&")
    back = text(client.get(prev_url))
    shown_first = [c for c in codes if c in first]
    assert shown_first and [c for c in codes if c in back] == shown_first
    order = re.findall(r'class="code-inline" href="[^"]+">([^<]+)<', first)
    assert order == sorted(order, key=codes.index, reverse=True)  # newest first


def test_counter_keeps_a_rut_with_a_wrong_check_digit_and_says_so(client, demo, login):
    login(user(demo, "meson@demo.penalolen.cl"))
    response = client.get("/staff/counter?buscar=12.345.678-9")
    page = text(response)
    assert response.status_code == 422
    assert "El dígito verificador no corresponde" in page
    assert 'value="12.345.678-9"' in page and "No hay registros" not in page
    assert focused(page) == "buscar" and 'aria-invalid="true"' in tag(page, "buscar")


def test_counter_shows_every_problem_on_the_first_submit(client, demo, login):
    login(user(demo, "meson@demo.penalolen.cl"))
    response = client.post(
        "/staff/counter",
        data={"source": "counter", "rut": "12.345.678-9", "mobile": "12", "email": "x@"},
    )
    page = text(response)
    assert response.status_code == 422
    summary = page[page.index('id="errores"') :]
    summary = summary[: summary.index("</div>")]
    # the form's own (topic, description) and the domain's (RUT, mobile, email) together
    assert summary.count("<li>") >= 5, summary


def test_counter_puts_the_cursor_where_the_next_keystroke_goes(client, demo, login):
    login(user(demo, "meson@demo.penalolen.cl"))
    fresh = text(client.get("/staff/counter"))
    assert focused(fresh) == "buscar"
    searched = text(client.get("/staff/counter?buscar=12.345.678-5"))
    assert focused(searched) == "name"  # the RUT is already filled in
    refused = text(client.post("/staff/counter", data={"description": ""}))
    assert focused(refused) == "errores"
    # Access keys: one each, no clashes between the menu and the counter.
    keys = re.findall(r'accesskey="(\w)"', fresh)
    assert len(keys) == len(set(keys)) and set(keys) >= {"b", "c", "d", "m", "l"}


def test_the_counter_receipt_is_a_staff_page_that_leads_to_the_next_person(
    client, demo, login, make_ticket
):
    ticket = make_ticket(category(demo, "luminaria"), channel="counter")
    demo.commit()
    login(user(demo, "meson@demo.penalolen.cl"))
    page = text(client.get(f"/staff/counter/comprobante/{display(ticket.code)}"))
    assert 'class="staff"' in page and "Cerrar sesión" in page
    assert re.search(r'href="/staff/counter" accesskey="n" autofocus>Atender a la siguiente', page)
    assert 'href="/staff/counter">Volver al mesón' in page


def test_an_action_says_what_it_did_and_where_the_notice_went(client, demo, login, make_ticket):
    ticket = make_ticket(
        category(demo, "luminaria"), mobile="+56961234321", consent_notify=True, name="Ana"
    )
    demo.commit()
    login(user(demo, "agente@demo.penalolen.cl"))
    code = display(ticket.code)
    page = text(client.get(f"/staff/tickets/{code}"))
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    done = client.post(
        f"/staff/tickets/{code}",
        data={"action": "reply", "version": version, "body": "Vamos mañana."},
        follow_redirects=True,
    )
    assert "Respuesta pública guardada en el historial." in text(done)
    assert "Aviso por SMS a +56 9 •••• 4321." in text(done)
    assert "Cambios guardados." not in text(done)

    version = re.search(r'name="version" value="(\d+)"', text(done)).group(1)
    refused = client.post(
        f"/staff/tickets/{code}", data={"action": "duplicate", "version": version, "original": "X"}
    )
    html = text(refused)
    assert refused.status_code == 422
    assert '<a href="#original">El número de la solicitud original no es válido.</a>' in html
    assert 'aria-invalid="true" aria-describedby="original-error"' in tag(html, "original")


def test_a_refused_page_says_no_permission_in_the_staff_layout(client, demo, login):
    login(user(demo, "meson@demo.penalolen.cl"))
    response = client.get("/staff/admin")
    assert response.status_code == 403
    page = text(response)
    assert "No tiene permiso" in page and 'class="staff"' in page
    assert "El formulario venció" not in page


def test_duplicates_are_counted_apart_and_not_as_resolved_on_time(session, demo, make_ticket):
    from app.dashboards import figures
    from app.dashboards.periods import period

    light = category(demo, "luminaria")
    agent = Actor.staff(user(demo, "agente@demo.penalolen.cl"))
    original, twin = make_ticket(light), make_ticket(light)
    later = original.created_at + timedelta(hours=1)
    mark_duplicate(session, twin, original, agent, now=later)
    transition(session, original, "resolved", agent, body="Reparada", now=later)
    session.flush()
    day = original.created_at.date()
    span = period(day, day, "America/Santiago")
    scope = Scope(span=span)
    summary = figures.summary(session, scope, original.created_at)
    resolution = figures.clock(session, scope, "resolution")
    assert summary.duplicates == 1 and summary.resolved == 1
    assert resolution.stopped == 1  # the duplicate has no resolution clock


def test_an_admin_without_a_unit_is_not_offered_as_assignee(session, demo, make_ticket):
    ticket = make_ticket(category(demo, "luminaria"))
    admin = user(demo, "admin@demo.penalolen.cl")
    head = user(demo, "jefatura@demo.penalolen.cl")
    assert admin.department_id is None and not can_be_assignee(admin, ticket)
    listed = set(session.scalars(select(StaffUser.id).where(assignees_where(Actor.staff(head)))))
    assert admin.id not in listed and head.id in listed
    listed_by_admin = session.scalars(
        select(StaffUser).where(assignees_where(Actor.staff(admin)))
    ).all()
    assert all(u.department_id is not None for u in listed_by_admin)


def test_a_code_typed_with_dashes_from_a_phone_is_read():
    code = display(generate())
    assert parse(code.replace("-", "\u2014")) == parse(code)  # em dash
    assert parse(code.replace("-", "\u2013").lower()) == parse(code)  # en dash


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"


def test_the_api_docs_page_describes_parameters_bodies_and_open311(client):
    page = text(client.get("/api/v1/docs"))
    assert "Ingresar una solicitud" in page  # Spanish summaries
    assert "<code>created_from</code>" in page and "<code>source_ref</code>" in page
    assert "&#34;category&#34;: &#34;luminaria&#34;" in page or '"category": "luminaria"' in page
    assert 'href="/open311/v2/discovery.json"' in page
