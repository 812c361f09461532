"""The directory, a unit's page and the Transparencia Focalizada pages pass axe-core's WCAG 2.1
AA rules at 360 and 1280 px, without horizontal scrolling, with JavaScript off."""

from __future__ import annotations

import pytest

PAGES = [
    ("/direcciones?q=perro", "directory search"),
    ("/direcciones/dimao", "a unit's page"),
    ("/transparencia", "transparency with the focused units"),
    ("/transparencia/dimao", "a focused unit's initiatives"),
]


@pytest.mark.parametrize("width", [360, 1280])
def test_directory_and_focused_transparency_are_accessible(browser, site, demo, axe_check, width):
    context = browser.new_context(
        locale="es-CL", viewport={"width": width, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(site + "/")
    page.get_by_role("link", name="Directorio municipal: ¿quién ve qué?").click()
    page.wait_for_url(site + "/direcciones")
    page.get_by_label("Escriba en pocas palabras su caso").fill("Pérros")
    page.get_by_role("button", name="Buscar").click()
    assert page.get_by_text("Mascotas y perros abandonados").first.is_visible()
    context.close()

    context = browser.new_context(locale="es-CL", viewport={"width": width, "height": 900})
    page = context.new_page()
    for path, label in PAGES:
        page.goto(site + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{label} scrolls sideways by {overflow} px at {width} px"
        axe_check(page, f"{label} at {width} px")
    context.close()
