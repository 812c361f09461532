"""Modo práctica and attention protocols in Chromium, at 360 and 1280 px: counter staff switch
practice on (the banner on every page), choose a category and read its protocol live, mark it
read without losing the half-typed form, file a practice walk-in with the Enter key and get a
receipt marked as practice; the guided exercise, the ticket page, and the admin's pages (reset,
protocol editor with its readers) pass axe-core with zero violations and fit the screen."""

from __future__ import annotations

import pytest

from tests.browser.test_staff_flow import log_in
from tests.browser.test_staff_screens import SIZES, fits

BANNER = "Modo práctica: nada de lo que haga aquí llega a los vecinos ni cuenta en las cifras"


def checked(page, axe_check, label: str) -> None:
    assert fits(page), f"{label} is wider than the screen"
    axe_check(page, label)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_practice_walk_in_with_the_protocol_at_the_counter(browser, site, demo, size, axe_check):
    context = browser.new_context(locale="es-CL", viewport=SIZES[size])
    page = context.new_page()
    log_in(page, site, "meson@demo.penalolen.cl")
    page.goto(site + "/staff/counter")
    assert BANNER not in page.content()
    # Without a category there is no panel, and with JavaScript the no-JS button is hidden.
    assert page.locator("#protocolo-titulo").count() == 0
    assert page.get_by_role("button", name="Ver el protocolo de esta categoría").is_hidden()

    with page.expect_navigation():
        page.get_by_role("button", name="Modo práctica").click()
    assert BANNER in page.content()
    assert page.locator("button[aria-pressed=true]").count() == 1
    assert "Ejercicio guiado de práctica" in page.content()
    checked(page, axe_check, f"counter in practice mode ({size})")

    page.fill("#name", "Ana Torres")
    page.fill("#email", "ana@example.cl")
    page.check("#consent")
    page.select_option("#category", label="Luminaria apagada o dañada")
    panel = page.locator("#protocolo-panel")
    panel.get_by_role(
        "heading", name="Protocolo de atención: Luminaria apagada o dañada"
    ).wait_for()
    assert "número del poste" in panel.inner_text()
    assert panel.locator("strong").count() >= 1 and panel.locator("script").count() == 0
    checked(page, axe_check, f"counter with the protocol ({size})")

    # "Leído" in the background: the typed form stays, no "leave the page?" question.
    page.on("dialog", lambda dialog: pytest.fail(f"unexpected dialog: {dialog.message}"))
    panel.get_by_role("button", name="Marcar como leído").click()
    panel.get_by_text("Ya marcó esta versión como leída.").wait_for()
    assert page.input_value("#name") == "Ana Torres"

    # Another category: the panel follows the select (no protocol: no panel).
    page.select_option("#category", label="Baches y pavimento")
    panel.get_by_role("heading", name="Protocolo de atención: Baches y pavimento").wait_for()
    page.select_option("#category", label="Luminaria apagada o dañada")
    panel.get_by_text("Ya marcó esta versión como leída.").wait_for()

    page.fill("#description", "Poste apagado frente a la sede (práctica)")
    page.focus("#address")
    page.keyboard.type("Los Presidentes 100")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Enter files the walk-in (never "ver protocolo")
    assert "/staff/counter/comprobante/" in page.url
    assert "PRÁCTICA: no es una solicitud real" in page.content()
    checked(page, axe_check, f"practice receipt ({size})")
    code = page.url.rsplit("/", 1)[1]

    page.goto(site + f"/staff/tickets/{code}")
    assert "Solicitud de práctica" in page.content()
    assert page.get_by_role("heading", name="Protocolo de atención: Luminaria apagada o dañada")
    checked(page, axe_check, f"practice ticket page ({size})")

    # Found again at the counter: the exercise is complete.
    page.goto(site + "/staff/counter?buscar=ana@example.cl")
    assert code in page.content()
    assert page.locator(".practice-exercise .done").count() == 3
    checked(page, axe_check, f"counter search in practice mode ({size})")

    # Residents never see it.
    public = context.new_page()
    response = public.goto(site + f"/seguimiento/{code}")
    assert response.status == 404
    context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_agent_exercise_and_admin_pages_pass_axe(browser, site, demo, size, axe_check):
    from sqlalchemy import select

    from app.models import Category

    light = demo.scalar(select(Category.id).where(Category.code == "luminaria"))
    context = browser.new_context(locale="es-CL", viewport=SIZES[size])
    page = context.new_page()
    log_in(page, site, "agente@demo.penalolen.cl")
    page.goto(site + "/staff/tickets")
    with page.expect_navigation():
        page.get_by_role("button", name="Modo práctica").click()
    page.goto(site + "/staff/tickets")
    assert BANNER in page.content()
    assert page.locator(".practice-exercise li").count() == 3
    checked(page, axe_check, f"agent queue in practice mode ({size})")
    context.close()

    admin = browser.new_context(locale="es-CL", viewport=SIZES[size])
    page = admin.new_page()
    log_in(page, site, "admin@demo.penalolen.cl")
    page.goto(site + "/staff/admin")
    assert page.get_by_role("button", name="Borrar todas las solicitudes de práctica")
    checked(page, axe_check, f"admin home with the practice reset ({size})")
    page.goto(site + f"/staff/admin/categorias/{light}")
    page.fill("#protocol-body", "**Pregunte** el número del poste.\n\n- Revise el mapa.")
    with page.expect_navigation():
        page.get_by_role("button", name="Guardar como nueva versión").click()
    assert "Protocolo guardado como una nueva versión." in page.content()
    assert "Versión vigente: 2." in page.content()
    checked(page, axe_check, f"admin category with its protocol ({size})")
    admin.close()
