"""Staff screens in Chromium at 360 and 1280 px: the counter walked with the keyboard alone
(focus after each step, keystrokes counted for a new and a returning person), a half-filled
form that is never lost without asking, no page wider than the screen, and axe-core (WCAG 2.1
AA plus its ``accesskeys`` rule) finding nothing on any staff page."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_staff_flow import log_in

SIZES = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 900}}
RUT = "12.345.678-5"


class Keys:
    """The keyboard, counting keystrokes (a typed character is one)."""

    def __init__(self, page) -> None:
        self.page, self.count = page, 0

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.count += len(text)

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key)
        self.count += times

    def tab_to(self, element_id: str, limit: int = 30) -> None:
        for _ in range(limit):
            self.press("Tab")
            if focus(self.page) == element_id:
                return
        raise AssertionError(f"could not reach #{element_id} with Tab")


def focus(page) -> str:
    return page.evaluate("document.activeElement && (document.activeElement.id || '')")


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def accesskey_check(page, label: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "rule", "values": ["accesskeys"]}})
    assert results.response["violations"] == [], f"access keys clash on {label}"


def new_person(page, site) -> int:
    keys = Keys(page)
    page.goto(site + "/staff/counter")
    assert focus(page) == "buscar"
    keys.type(RUT)
    with page.expect_navigation():
        keys.press("Enter")
    assert "No hay registros" in page.content()
    assert focus(page) == "name"  # the RUT is already in its field
    assert page.input_value("#rut") == RUT
    keys.type("Ana Torres")
    keys.press("Tab")
    assert focus(page) == "mobile"
    keys.type("961234567")
    keys.tab_to("consent")
    keys.press("Space")
    keys.tab_to("rut_attested")
    keys.press("Space")
    keys.tab_to("category-filter")
    keys.type("poste")
    keys.press("Enter")
    assert focus(page) == "category"
    keys.press("Tab")
    assert focus(page) == "description"
    keys.type("Poste apagado")
    keys.press("Tab")
    assert focus(page) == "address"
    with page.expect_navigation():
        keys.press("Enter")
    page.wait_for_url(re.compile(r"/staff/counter/comprobante/"))
    return keys.count


def returning_person(page, site) -> int:
    keys = Keys(page)
    page.goto(site + "/staff/counter")
    keys.type(RUT)
    with page.expect_navigation():
        keys.press("Enter")
    assert focus(page) == "usar-0"  # the person found: one Enter uses their data
    with page.expect_navigation():
        keys.press("Enter")
    assert focus(page) == "category"
    assert page.input_value("#name") == "Ana Torres"
    keys.type("lum")  # the list jumps to the first category starting so
    assert page.locator("#category option:checked").inner_text().startswith("Luminaria")
    keys.press("Tab")
    assert focus(page) == "description"
    keys.type("Otro poste apagado")
    keys.press("Tab")
    with page.expect_navigation():
        keys.press("Enter")
    page.wait_for_url(re.compile(r"/staff/counter/comprobante/"))
    return keys.count


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_counter_with_the_keyboard_alone(browser, site, size, axe_check, capsys):
    context = browser.new_context(locale="es-CL", viewport=SIZES[size])
    page = context.new_page()
    log_in(page, site, "meson@demo.penalolen.cl")
    page.goto(site + "/staff/counter")
    axe_check(page, f"counter ({size})")
    accesskey_check(page, "counter")
    assert fits(page)

    # A RUT with a wrong check digit: kept, explained, the cursor back in the box to fix it.
    page.keyboard.type("12.345.678-9")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert focus(page) == "buscar" and page.input_value("#buscar") == "12.345.678-9"
    assert page.get_by_text("El dígito verificador no corresponde").is_visible()
    axe_check(page, f"counter with a RUT typo ({size})")

    # A refused submit: the cursor on the error summary, not in the search box.
    page.goto(site + "/staff/counter")
    page.focus("#name")
    page.keyboard.type("Ana")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert focus(page) == "errores"
    axe_check(page, f"counter with errors ({size})")
    assert fits(page)

    first = new_person(page, site)
    assert focus(page) == "" and page.evaluate("document.activeElement.textContent").startswith(
        "Atender a la siguiente persona"
    )
    axe_check(page, f"counter receipt ({size})")
    assert fits(page)
    assert page.locator("header.staff-header").is_visible()
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the next person
    assert page.url.endswith("/staff/counter") and focus(page) == "buscar"

    second = returning_person(page, site)
    with capsys.disabled():
        print(f"\n[{size}] keystrokes: new person {first}, returning person {second}")
    context.close()


def test_a_half_filled_form_is_not_left_without_asking(browser, site):
    context = browser.new_context(locale="es-CL", viewport=SIZES["desktop"])
    page = context.new_page()
    log_in(page, site, "meson@demo.penalolen.cl")
    page.goto(site + "/staff/counter")
    page.focus("#name")
    page.keyboard.type("Ana Torres")
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", answer)
    page.get_by_role("link", name="Bandeja").click()
    assert asked and "medio registrar" in asked[0]
    assert page.url.endswith("/staff/counter") and page.input_value("#name") == "Ana Torres"
    context.close()


STAFF_PAGES = {
    "admin@demo.penalolen.cl": [
        "/staff/tickets",
        "/staff/mapa",
        "/staff/tickets?orden=recientes&estado=closed",
        "/staff/tickets?desde=2026-11-20&hasta=2026-11-01",
        "/staff/admin",
        "/staff/admin/usuarios/nuevo",
        "/staff/admin/calendario",
        "/staff/admin/claves",
        "/staff/admin/accesos",
        "/staff/avisos",
        "/staff/privacidad",
        "/staff/dashboard",
        "/staff/password",
    ],
    "jefatura@demo.penalolen.cl": ["/staff/dashboard", "/staff/tickets"],
    "meson@demo.penalolen.cl": ["/staff/admin"],  # the 403 page
}


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_staff_pages_fit_the_screen_and_pass_axe(browser, site, demo, size, axe_check):
    from app.demo import seed

    seed(demo, tickets=40)
    demo.commit()
    for email, urls in STAFF_PAGES.items():
        context = browser.new_context(locale="es-CL", viewport=SIZES[size])
        page = context.new_page()
        log_in(page, site, email)
        visited = list(urls)
        if email.startswith("admin"):
            page.goto(site + "/staff/tickets?estado=todas")
            assert page.locator("table.queue tbody tr").count() >= 20  # the seeded desk
            visited.append(page.locator("table.queue a").first.get_attribute("href"))
        for url in visited:
            page.goto(site + url)
            assert fits(page), f"{url} is wider than {size}: " + str(
                page.evaluate("document.documentElement.scrollWidth")
            )
            axe_check(page, f"{url} ({size})")
            accesskey_check(page, url)
        context.close()
