"""A resident on a 360 px phone reads /privacidad, follows a right to the web form with it
preselected, and stops a request's notices from the link in the email (plain forms and links:
the pages carry no script); both pages pass axe-core's WCAG 2.1 AA rules."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.models import Category, Notification, Ticket
from app.tickets import RESIDENT, TicketIntake, open_ticket


def test_privacy_page_and_stopping_notices(browser, site, demo, axe_check):
    light = demo.scalar(select(Category).where(Category.code == "luminaria"))
    ticket = open_ticket(
        demo,
        TicketIntake(
            channel="web",
            category_id=light.id,
            description="Poste apagado en la plaza",
            email="vecina@example.cl",
            consent_notify=True,
        ),
        RESIDENT,
    )
    demo.commit()
    body = demo.scalar(select(Notification.body).where(Notification.template == "received"))
    link = re.search(r"http://testserver(/seguimiento/\S+/avisos/\S+)", body).group(1)

    context = browser.new_context(locale="es-CL", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(site + "/")
    page.get_by_role("link", name="Privacidad y sus datos personales").click()
    page.wait_for_url(site + "/privacidad")
    assert page.get_by_role("heading", level=1).inner_text() == "Privacidad y sus datos personales"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    axe_check(page, "privacy page")

    page.get_by_role("link", name=re.compile(r"Pedirlo en línea\W+Acceso a mis datos")).click()
    page.wait_for_url(re.compile(r".*/solicitudes/nueva\?categoria=datos_acceso"))
    chosen = page.get_by_label("¿Sobre qué es su solicitud?")
    assert chosen.locator("option:checked").inner_text() == "Acceso a mis datos personales"

    page.goto(site + link)
    axe_check(page, "stop notices page")
    page.get_by_role("button", name="Sí, dejar de recibir avisos").click()
    page.wait_for_load_state()
    assert "no le enviaremos más avisos" in page.get_by_role("status").inner_text()
    demo.expire_all()
    assert demo.get(Ticket, ticket.id).contact.consent_withdrawn_at is not None
    context.close()
