"""The resident proves it is them and answers a question in a browser without JavaScript: the
tracking page offers "Confirmar que soy yo", a code goes to their phone (read here from the
outbox row), they type it and answer. axe-core finds no WCAG 2.1 A/AA violation on the way."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.models import Category, Notification, StaffUser, Ticket
from app.tickets import Actor, transition
from app.tickets.codes import display


def waiting_ticket(site_session, page, site) -> Ticket:
    category = site_session.scalar(select(Category).where(Category.code == "luminaria"))
    page.goto(site + "/solicitudes/nueva")
    page.select_option("#category", value=str(category.id))
    page.fill("#description", "La luminaria frente al pasaje está apagada hace días.")
    page.fill("#mobile", "987654321")
    page.get_by_label("Sí, quiero recibir avisos").check()
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/solicitudes/recibida/"))
    ticket = site_session.scalar(select(Ticket))
    admin = site_session.scalar(select(StaffUser).where(StaffUser.role == "admin"))
    transition(site_session, ticket, "waiting_resident", Actor.staff(admin), body="¿Qué número?")
    site_session.commit()
    return ticket


def test_code_entry_and_reply_work_without_javascript(browser, site, demo, axe_check):
    context = browser.new_context(java_script_enabled=False, locale="es-CL")
    page = context.new_page()
    ticket = waiting_ticket(demo, page, site)
    code = display(ticket.code)

    page.goto(f"{site}/seguimiento/{code}")
    assert page.locator("textarea").count() == 0  # the code alone opens no reply form
    page.get_by_role("link", name="Confirmar que soy yo").click()
    page.wait_for_url(re.compile(r"/verificar$"))
    assert "+56 9 •••• ••21" in page.content()
    page.get_by_role("button", name="Enviarme un código").click()
    page.wait_for_url(re.compile(r"/verificar$"))
    assert "Le enviamos un código por SMS" in page.content()

    demo.expire_all()
    sent = demo.scalar(select(Notification.body).where(Notification.template == "access_code"))
    digits = re.search(r"\b(\d{6})\b", sent).group(1)
    page.get_by_label("Código que le enviamos").fill("000000" if digits != "000000" else "111111")
    page.get_by_role("button", name="Confirmar", exact=True).click()
    assert "El código no es correcto" in page.content()
    page.get_by_label("Código que le enviamos").fill(digits)
    page.get_by_role("button", name="Confirmar", exact=True).click()
    page.wait_for_url(re.compile(re.escape(f"/seguimiento/{code}") + "$"))

    page.get_by_label("Su respuesta").fill("Frente al 8735")
    page.get_by_role("button", name="Enviar respuesta").click()
    page.wait_for_url(re.compile(re.escape(f"/seguimiento/{code}") + "$"))
    assert "Gracias. Recibimos su respuesta" in page.content()
    assert "Usted respondió el" in page.content() and "Frente al 8735" not in page.content()
    demo.expire_all()
    assert demo.get(Ticket, ticket.id).status == "in_progress"

    # The same pages, with JavaScript on for axe-core (which runs as a script in the page).
    checked = browser.new_context(locale="es-CL", viewport={"width": 360, "height": 740})
    axe_page = checked.new_page()
    axe_page.goto(f"{site}/seguimiento/{code}")
    assert axe_page.get_by_role("heading", name="¿Usted hizo esta solicitud?").is_visible()
    axe_check(axe_page, "tracking, not proven")
    checked.add_cookies(context.cookies())
    for path, label in (
        (f"/seguimiento/{code}", "tracking, proven"),
        (f"/seguimiento/{code}/verificar", "verify page"),
        (f"/seguimiento/{code}/retirar", "withdraw confirmation"),
    ):
        axe_page.goto(site + path)
        axe_check(axe_page, label)
    axe_page.goto(f"{site}/seguimiento/{code}/verificar")
    axe_page.get_by_role("button", name="Confirmar", exact=True).click()  # empty: errors
    axe_check(axe_page, "verify page with an error")
    checked.close()
    context.close()
