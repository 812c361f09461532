"""Person records in the browser: the counter joins a walk-in to a person only with the ID card
seen (keyboard alone), a search lists candidates, the person page records a change; the email
confirmation page works on a small phone. axe-core finds no WCAG 2.1 A/AA violation."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.models import Notification
from tests.browser.test_resident_flow import no_horizontal_scroll, tab_to
from tests.browser.test_staff_flow import log_in


def test_counter_candidates_and_a_recorded_change(browser, site, axe_check):
    context = browser.new_context(locale="es-CL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, site, "meson@demo.penalolen.cl")
    page.goto(site + "/staff/counter?buscar=12.345.678-5")
    tab_to(page, "name")
    page.keyboard.type("Ana Torres")
    tab_to(page, "rut_attested")
    page.keyboard.press("Space")  # the clerk saw the ID card
    tab_to(page, "category")
    page.keyboard.type("L")
    tab_to(page, "description")
    page.keyboard.type("Poste apagado frente a la sede vecinal")
    tab_to(page, "address")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/staff/counter/comprobante/"))

    page.goto(site + "/staff/counter?buscar=12345678-5")
    assert "Personas registradas con ese dato" in page.content()
    axe_check(page, "counter candidates")
    # The record opens in another tab: the half-filled counter form stays where it was.
    with context.expect_page() as opened:
        page.get_by_role("link", name=re.compile("Ver registro")).click()
    page = opened.value
    page.wait_for_load_state()
    axe_check(page, "person record")
    page.fill("#name", "Ana María Torres")
    page.fill("#reason", "Corrige su nombre con la cédula a la vista")
    with page.expect_navigation():
        page.get_by_role("button", name="Guardar cambios").click()
    content = page.content()
    assert "Cambios guardados y registrados." in content
    assert "Corrige su nombre con la cédula a la vista" in content
    assert "Ana Torres → Ana María Torres" in content
    context.close()


def test_confirming_an_email_on_a_phone(page, site, demo, axe_check):
    # The default context is a 360 px phone.
    page.goto(site + "/solicitudes/nueva")
    page.select_option("#category", label="Luminaria apagada o dañada")
    page.fill("#description", "Poste apagado frente a mi casa")
    page.fill("#email", "vecina@example.cl")
    page.get_by_label("Sí, quiero recibir avisos").check()
    with page.expect_navigation():
        page.locator("form button[type=submit]").first.click()
    demo.expire_all()
    receipt = demo.scalar(select(Notification).where(Notification.template == "received"))
    [link] = re.findall(r"http://testserver(/correo/confirmar/\S+)", receipt.body)
    page.goto(site + link)
    axe_check(page, "email confirmation")
    assert no_horizontal_scroll(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Sí, la ingresé yo: confirmar mi correo").click()
    assert "su correo quedó confirmado" in page.content()
