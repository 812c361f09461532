"""Counter staff log a walk-in with the keyboard alone and print the receipt; an agent of the
routed department resolves it with a response template; the public page shows it resolved."""

from __future__ import annotations

import re

from tests.browser.test_resident_flow import tab_to


def log_in(page, site, email):
    page.goto(site + "/staff/login")
    page.fill("#email", email)
    page.fill("#password", "conectados-demo")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_walk_in_to_resolution(browser, site, axe_check):
    counter = browser.new_context(locale="es-CL", viewport={"width": 1280, "height": 900})
    page = counter.new_page()
    log_in(page, site, "meson@demo.penalolen.cl")
    page.goto(site + "/staff/counter")
    axe_check(page, "counter form")

    # Keyboard alone: the search field has focus; look the person up by RUT.
    assert page.evaluate("document.activeElement.id") == "buscar"
    page.keyboard.type("12.345.678-5")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "No hay registros" in page.content()
    tab_to(page, "name")
    page.keyboard.type("Ana Torres")
    page.keyboard.press("Tab")
    page.keyboard.type("961234567")
    tab_to(page, "consent")
    page.keyboard.press("Space")
    tab_to(page, "category-filter")
    page.keyboard.type("poste")  # keyword search as you type
    page.keyboard.press("Enter")  # moves to the list with the match selected
    assert page.evaluate("document.activeElement.id") == "category"
    assert page.locator("#category option:checked").inner_text() == "Luminaria apagada o dañada"
    page.keyboard.press("Tab")
    page.keyboard.type("Poste apagado frente a la sede vecinal")
    tab_to(page, "address")
    page.keyboard.type("Los Presidentes 100")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/staff/counter/comprobante/"))
    code = page.locator(".receipt .code").inner_text()
    page.emulate_media(media="print")
    assert page.locator(".receipt").is_visible() and not page.locator("header.site").is_visible()
    page.emulate_media(media="screen")
    counter.close()

    agent = browser.new_context(locale="es-CL", viewport={"width": 1280, "height": 900})
    page = agent.new_page()
    log_in(page, site, "agente@demo.penalolen.cl")
    page.goto(site + "/staff/tickets")
    page.get_by_role("link", name=code).click()
    axe_check(page, "staff ticket page")
    page.get_by_role("button", name="Tomar este requerimiento").click()
    page.get_by_role("link", name="Luminaria reparada").click()
    assert page.locator("#accion-resolve textarea").input_value().startswith("La cuadrilla")
    with page.expect_navigation():
        page.locator("#accion-resolve button[type=submit]").click()
    assert "Requerimiento marcado resuelto." in page.content()
    agent.close()

    public = browser.new_context(locale="es-CL")
    page = public.new_page()
    page.goto(f"{site}/seguimiento/{code}")
    assert page.get_by_text("Resuelta", exact=True).first.is_visible()
    assert "La cuadrilla de alumbrado reparó la luminaria." in page.content()
    assert "Ana Torres" not in page.content()
    public.close()
