"""A resident, with the keyboard alone and on a small phone, files a request, gets the code,
prints the receipt and follows it; axe-core finds no WCAG 2.1 A/AA violation on the way."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.models import Ticket


def tab_to(page, element_id: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"could not reach #{element_id} with Tab")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_keyboard_only_file_track_and_print(page, site, demo, axe_check):
    page.goto(site + "/")
    assert page.locator("html").get_attribute("lang") == "es-CL"
    axe_check(page, "home")
    assert no_horizontal_scroll(page)

    tab_to(page, "")  # the skip link comes first
    page.goto(site + "/solicitudes/nueva")
    axe_check(page, "empty form")
    assert no_horizontal_scroll(page)

    # Submitting empty: the summary takes the errors, each linked to its field.
    page.locator("button[type=submit]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_role("alert").wait_for()
    axe_check(page, "form with errors")
    page.get_by_role("link", name="Elija el tema de su solicitud.").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "category" or page.url.endswith(
        "#category"
    )

    page.goto(site + "/solicitudes/nueva")
    tab_to(page, "category")
    page.keyboard.type("Lumi")
    page.keyboard.press("Tab")
    page.keyboard.type("La luminaria frente al 8735 no enciende hace una semana.")
    page.keyboard.press("Tab")
    page.keyboard.type("Av. Grecia 8735")
    tab_to(page, "email")
    page.keyboard.type("vecina@example.cl")
    tab_to(page, "consent-0")
    page.keyboard.press("Space")
    for _ in range(3):  # past the privacy link; the honeypot is not in the tab order
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "BUTTON":
            break
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/solicitudes/recibida/"))
    axe_check(page, "confirmation")

    code = page.locator("[data-code]").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]", code)
    ticket = demo.scalar(select(Ticket))
    assert ticket.category.code == "luminaria" and ticket.contact.consent_notify

    page.get_by_role("link", name=re.compile("comprobante")).focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/comprobante$"))
    assert page.locator("svg title").first.text_content().startswith("Código QR")
    axe_check(page, "receipt")
    page.emulate_media(media="print")
    assert not page.locator("header.site").is_visible()
    page.emulate_media(media="screen")

    page.goto(site + "/")
    tab_to(page, "code")
    page.keyboard.type(code.lower().replace("-", " "))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(f"/seguimiento/{code}") + "$"))
    assert page.get_by_text("Recibida", exact=True).is_visible()
    axe_check(page, "tracking")
    assert no_horizontal_scroll(page)


def test_tracking_errors_and_404_are_accessible(page, site, axe_check):
    page.goto(site + "/seguimiento?code=0000-0000-0")
    assert "error de tipeo" in page.content()
    axe_check(page, "tracking form with a typo")
    page.goto(site + "/no-existe")
    axe_check(page, "404")


def test_filing_works_without_javascript(browser, site, demo):
    context = browser.new_context(java_script_enabled=False, locale="es-CL")
    page = context.new_page()
    page.goto(site + "/solicitudes/nueva")
    page.select_option("#category", label="Baches y pavimento")
    page.fill("#description", "Hoyo grande en la calzada frente al colegio.")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/solicitudes/recibida/"))
    assert page.locator("[data-code]").inner_text()
    context.close()
