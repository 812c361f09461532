"""The transparency page and a head's dashboard pass axe-core's WCAG 2.1 AA rules, with data."""

from __future__ import annotations

from tests.browser.test_staff_flow import log_in


def test_transparency_and_dashboard_are_accessible(browser, site, demo, axe_check):
    from app.demo import seed

    seed(demo, tickets=40)
    demo.commit()
    public = browser.new_context(locale="es-CL", viewport={"width": 360, "height": 740})
    page = public.new_page()
    page.goto(site + "/")
    page.get_by_role("link", name="Transparencia: tiempos de respuesta").click()
    page.wait_for_url(site + "/transparencia")
    assert page.locator("table caption").first.is_visible()
    axe_check(page, "transparency page")
    public.close()

    staff = browser.new_context(locale="es-CL", viewport={"width": 1280, "height": 900})
    page = staff.new_page()
    log_in(page, site, "jefatura@demo.penalolen.cl")
    page.get_by_role("link", name="Tablero").click()
    page.wait_for_url(site + "/staff/dashboard")
    assert page.locator("svg.chart").count() >= 6
    axe_check(page, "head's dashboard")
    staff.close()
