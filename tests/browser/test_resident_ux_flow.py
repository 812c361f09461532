"""Issue 16, residents: the whole flow with the keyboard alone at 360 and 1280 px — file with
errors (all shown at once), fix them, read where notices go, track, answer the question, rate
the attention — with no sideways scroll and no axe violation on any page. Screenshots of each
step go to docs/screens/ when SCREENSHOTS=1 (see README, "Pantallas")."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import StaffUser, Ticket
from app.tickets import Actor, transition
from app.tickets.proof import REPLY, make_link_token
from app.tickets.survey import make_token
from tests.browser.test_resident_flow import no_horizontal_scroll, tab_to

SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"


@pytest.mark.parametrize("width", [360, 1280])
def test_resident_flow_keyboard_only(browser, site, demo, axe_check, width):
    context = browser.new_context(locale="es-CL", viewport={"width": width, "height": 800})
    page = context.new_page()
    step = 0

    def looked_at(name: str) -> None:
        nonlocal step
        axe_check(page, f"{name} at {width}px")
        assert no_horizontal_scroll(page), f"{name} scrolls sideways at {width}px"
        step += 1
        if os.environ.get("SCREENSHOTS"):
            SCREENS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENS / f"resident-{width}-{step}-{name}.png"))

    page.goto(site + "/")
    looked_at("home")
    page.goto(site + "/solicitudes/nueva")
    tab_to(page, "category")
    page.keyboard.type("Lumi")
    page.keyboard.press("Tab")
    page.keyboard.type("corto")
    tab_to(page, "email")
    page.keyboard.type("vecina@")
    page.keyboard.press("Tab")
    page.keyboard.type("123")
    page.locator("button[type=submit]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    summary = page.locator("#errores")
    summary.wait_for()
    anchors = summary.locator("a").evaluate_all("links => links.map(a => a.hash)")
    assert {"#description", "#email", "#mobile", "#consent-0"} <= set(anchors), anchors
    looked_at("errors")

    # Fix each one from the summary's links, keyboard only.
    page.locator("#description").fill("")
    page.locator("#description").focus()
    page.keyboard.type("La luminaria frente al 8735 no enciende hace una semana.")
    page.locator("#email").focus()
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    page.locator("#mobile").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("9 8765 4321")
    page.keyboard.press("Tab")  # into the radio group: its first option, "Sí"
    assert page.evaluate("document.activeElement.id") == "consent-0"
    page.keyboard.press("Space")
    page.locator("button[type=submit]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/solicitudes/recibida/"))
    assert "por SMS al celular +56 9 •••• ••21" in page.locator("#avisos").inner_text()
    assert "+56 2 2000 0000" in page.content()
    looked_at("confirmation")
    code = page.locator("[data-code]").inner_text()

    page.goto(f"{site}/seguimiento/{code}/comprobante")
    assert page.locator("#imprimir").is_visible()  # shown by print.js
    looked_at("receipt")

    page.goto(site + "/")
    tab_to(page, "code")
    page.keyboard.type(code)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(f"/seguimiento/{code}") + "$"))
    looked_at("tracking")

    ticket = demo.scalar(select(Ticket).order_by(Ticket.id.desc()))
    admin = Actor.staff(demo.scalar(select(StaffUser).where(StaffUser.role == "admin")))
    transition(demo, ticket, "waiting_resident", admin, body="¿Frente a qué número exactamente?")
    demo.commit()
    page.goto(f"{site}/a/{make_link_token(ticket, REPLY)}")  # the link of the SMS
    page.wait_for_url(re.compile("#responder$"))
    box = page.locator("section:has(#responder)")
    assert "¿Frente a qué número exactamente?" in box.inner_text()
    looked_at("question")
    page.locator("#body").focus()
    page.keyboard.type("Frente al 8735, el poste junto al paradero.")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Recibimos su respuesta" in page.content()

    demo.expire_all()
    ticket = demo.get(Ticket, ticket.id)
    transition(demo, ticket, "resolved", admin, body="Cambiamos la ampolleta.")
    demo.commit()
    page.goto(f"{site}/encuesta/{make_token(ticket)}")
    page.locator("button[type=submit]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.locator("#errores").wait_for()
    radio = page.locator("#rating-0").bounding_box()
    label = page.locator("label[for=rating-0]").bounding_box()
    assert radio["width"] < 40 and label["x"] > radio["x"] + radio["width"] - 1
    assert abs((radio["y"] + radio["height"] / 2) - (label["y"] + label["height"] / 2)) < 12
    looked_at("survey-errors")
    page.locator("#rating-0").focus()
    page.keyboard.press("Space")
    page.locator("button[type=submit]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Gracias por responder" in page.content()
    looked_at("survey-thanks")

    page.goto(f"{site}/idioma/en?next=/seguimiento/{code}")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator('dd span[lang="es-CL"]').count() >= 2
    looked_at("tracking-en")
    context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_every_public_page_fits_and_passes_axe(browser, site, demo, axe_check, width):
    context = browser.new_context(locale="es-CL", viewport={"width": width, "height": 800})
    page = context.new_page()
    for path in (
        "/",
        "/solicitudes/nueva",
        "/seguimiento",
        "/seguimiento?code=K7M4-QX9P-Z",
        "/privacidad",
        "/direcciones",
        "/transparencia",
    ):
        page.goto(site + path)
        axe_check(page, f"{path} at {width}px")
        assert no_horizontal_scroll(page), f"{path} scrolls sideways at {width}px"
    context.close()
