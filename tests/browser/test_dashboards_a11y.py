"""The transparency page and a head's dashboard pass axe-core's WCAG 2.1 AA rules, with data."""

from __future__ import annotations

import os
from pathlib import Path

from tests.browser.test_staff_flow import log_in

SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"


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

    for width, height in ((1280, 900), (360, 740)):
        staff = browser.new_context(locale="es-CL", viewport={"width": width, "height": height})
        page = staff.new_page()
        log_in(page, site, "jefatura@demo.penalolen.cl")
        page.get_by_role("link", name="Tablero").click()
        page.wait_for_url(site + "/staff/dashboard")
        assert page.locator("svg.chart").count() >= 6
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
        axe_check(page, f"head's dashboard at {width} px")
        if os.environ.get("SCREENSHOTS"):  # docs/screens/ (README, "Pantallas")
            page.screenshot(path=str(SCREENS / f"head-dashboard-{width}.png"), full_page=True)
        staff.close()
