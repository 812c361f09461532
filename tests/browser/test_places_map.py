"""The map on the web form (issue 19): pinned with the keyboard alone, the fields written from
it; without JavaScript the form still files with typed coordinates; nearby reports and following
one; axe-core finds no WCAG 2.1 A/AA violation at 360 and 1280 px."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.models import Category, Ticket, TicketFollower
from tests.browser.test_resident_flow import no_horizontal_scroll, tab_to


def parse(value: str) -> float:
    return float(value.replace(",", "."))


def test_pin_the_place_with_the_keyboard_and_file(page, site, demo, axe_check):
    page.goto(site + "/solicitudes/nueva")
    picker = page.locator("[data-map-picker]")
    picker.wait_for(state="visible")  # JavaScript shows the map
    page.locator(".leaflet-container").wait_for()
    axe_check(page, "form with the map")
    assert no_horizontal_scroll(page)

    tab_to(page, "category")
    page.keyboard.type("Lumi")
    page.keyboard.press("Tab")
    page.keyboard.type("La luminaria de la esquina no enciende hace días.")
    # The map's own keys pan it; "Marcar el centro del mapa" drops the pin where it looks.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.hasAttribute('data-map-center')"):
            break
    else:
        raise AssertionError("could not reach «Marcar el centro del mapa» with Tab")
    page.keyboard.press("Enter")
    lat, lon = parse(page.input_value("#lat")), parse(page.input_value("#lon"))
    assert -33.53 < lat < -33.43 and -70.59 < lon < -70.46
    assert "," in page.input_value("#lat")  # as Chileans write it
    assert "Lugar marcado en el mapa" in page.locator("[data-map-status]").inner_text()
    # The pin has the focus now; the arrow keys move it about 11 m a press.
    assert page.evaluate("document.activeElement.classList.contains('leaflet-marker-icon')")
    assert page.evaluate("document.activeElement.getAttribute('alt')").startswith("Lugar")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowRight")
    assert parse(page.input_value("#lat")) == pytest.approx(lat + 0.0001, abs=1e-6)
    assert parse(page.input_value("#lon")) == pytest.approx(lon + 0.0001, abs=1e-6)
    axe_check(page, "form with a pin")

    # Typing in the fields moves the pin back (the fields stay the source of truth).
    page.locator("#coordenadas summary").click()
    page.fill("#lat", "-33,4853")
    page.fill("#lon", "-70,5361")
    page.locator("#lon").dispatch_event("change")
    page.locator("#enviar").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/solicitudes/recibida/"))
    ticket = demo.scalar(select(Ticket))
    assert ticket.lat == pytest.approx(-33.4853) and ticket.lon == pytest.approx(-70.5361)


def test_without_javascript_the_fields_file_a_ticket(browser, site, demo):
    context = browser.new_context(java_script_enabled=False, locale="es-CL")
    page = context.new_page()
    page.goto(site + "/solicitudes/nueva")
    assert not page.locator("[data-map-picker]").is_visible()  # no map, no broken box
    page.select_option("#category", label="Luminaria apagada o dañada")
    page.fill("#description", "La luminaria de la esquina no enciende hace días.")
    page.locator("#coordenadas summary").click()
    page.fill("#lat", "-33,4853")
    page.fill("#lon", "-70,5361")
    page.click("#enviar")
    page.wait_for_url(re.compile(r"/solicitudes/recibida/"))
    ticket = demo.scalar(select(Ticket))
    assert ticket.lat == pytest.approx(-33.4853)
    context.close()


def test_outside_the_comuna_is_said_beside_the_field(browser, site, demo):
    context = browser.new_context(java_script_enabled=False, locale="es-CL")
    page = context.new_page()
    page.goto(site + "/solicitudes/nueva")
    page.select_option("#category", label="Luminaria apagada o dañada")
    page.fill("#description", "La luminaria de la esquina no enciende hace días.")
    page.locator("#coordenadas summary").click()
    page.fill("#lat", "-33,4372")
    page.fill("#lon", "-70,6506")
    page.click("#enviar")
    assert "fuera de la comuna de Peñalolén" in page.locator("#lat-error").inner_text()
    assert demo.scalar(select(Ticket)) is None
    context.close()


def _nearby_original(demo, make_ticket):
    lamp = demo.scalar(select(Category).where(Category.code == "luminaria"))
    original = make_ticket(lamp, lat=-33.4862, lon=-70.5361, address="Av. Grecia 8800")
    demo.commit()
    code, original_id = original.code, original.id
    demo.rollback()  # no read transaction left open while the live server writes (SQLite)
    return code, original_id


def _review(page, site):
    page.goto(site + "/solicitudes/nueva")
    page.select_option("#category", label="Luminaria apagada o dañada")
    page.locator("#coordenadas summary").click()
    page.fill("#lat", "-33,4853")
    page.fill("#lon", "-70,5361")
    with page.expect_navigation():
        page.get_by_role("button", name="Revisar si ya lo reportaron").click()


def test_review_with_javascript_places_the_pin(page, site, demo, make_ticket):
    code, _ = _nearby_original(demo, make_ticket)
    _review(page, site)
    assert "a 100 m" in page.content() and code not in page.content()
    assert "Lugar marcado en el mapa" in page.locator("[data-map-status]").inner_text()


@pytest.mark.parametrize("width", [360, 1280])
def test_review_and_follow_without_javascript(browser, site, demo, make_ticket, width):
    code, original_id = _nearby_original(demo, make_ticket)
    context = browser.new_context(
        locale="es-CL", viewport={"width": width, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(site + "/solicitudes/nueva")
    _review(page, site)
    assert "a 100 m" in page.content() and code not in page.content()
    assert no_horizontal_scroll(page)
    page.fill("#email", "vecina@example.cl")
    page.check("#consent-0")
    with page.expect_navigation():
        page.get_by_role("button", name="Es el mismo: seguir ese").click()
    assert "usted sigue esta solicitud" in page.content()
    context.close()
    follower = demo.scalar(select(TicketFollower))
    assert follower.email == "vecina@example.cl" and follower.ticket_id == original_id


@pytest.mark.parametrize("width", [360, 1280])
def test_the_form_with_the_map_passes_axe(browser, site, demo, width, axe_check):
    context = browser.new_context(locale="es-CL", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(site + "/solicitudes/nueva")
    page.locator(".leaflet-container").wait_for()
    axe_check(page, f"form with the map at {width} px")
    assert no_horizontal_scroll(page)
    context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_the_review_and_follow_pages_pass_axe(browser, site, demo, make_ticket, width, axe_check):
    """axe-core is JavaScript: it runs in a context with JavaScript on (the flow without it is
    tested above)."""
    code, _ = _nearby_original(demo, make_ticket)
    context = browser.new_context(locale="es-CL", viewport={"width": width, "height": 900})
    page = context.new_page()
    _review(page, site)
    assert "a 100 m" in page.content() and code not in page.content()
    axe_check(page, f"nearby reports at {width} px")
    assert no_horizontal_scroll(page)
    page.fill("#email", "vecina@example.cl")
    page.check("#consent-0")
    with page.expect_navigation():
        page.get_by_role("button", name="Es el mismo: seguir ese").click()
    assert "usted sigue esta solicitud" in page.content()
    axe_check(page, f"following a request at {width} px")
    assert no_horizontal_scroll(page)
    token = demo.scalar(select(TicketFollower.token))
    demo.rollback()  # no read transaction left open while the live server writes (SQLite)
    page.goto(f"{site}/dejar-de-seguir/{token}")
    axe_check(page, f"stop following at {width} px")
    assert no_horizontal_scroll(page)
    context.close()
