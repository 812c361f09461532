"""The diagnoses' pages pass axe-core's WCAG 2.1 AA rules at 360 and 1280 px, fit the screen,
and the attention survey is answered with the keyboard alone, without JavaScript."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.test_staff_flow import log_in

WIDTHS = ((360, 740), (1280, 900))


@pytest.fixture
def seeded(demo):
    from app.demo import seed

    seed(demo, tickets=40)
    demo.commit()
    return demo


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_public_survey_pages_are_accessible(browser, site, seeded, axe_check):
    from app.models import AttentionAnswer, Ticket
    from app.tickets.survey import make_token

    ticket = seeded.scalar(
        select(Ticket)
        .outerjoin(AttentionAnswer, AttentionAnswer.ticket_id == Ticket.id)
        .where(Ticket.status == "resolved", AttentionAnswer.id.is_(None))
    )
    for width, height in WIDTHS:
        # (axe runs as JavaScript; the survey without it: test_survey_answered_with_the_keyboard)
        context = browser.new_context(locale="es-CL", viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(site + "/")
        page.get_by_role("link", name="¿Cómo le atendimos? Responda la encuesta").click()
        page.wait_for_url(site + "/opina")
        assert fits(page), width
        axe_check(page, f"/opina at {width} px")
        # Refused without the overall score: the error summary is accessible too.
        page.get_by_role("button", name="Enviar respuesta").click()
        assert page.locator(".error-summary").is_visible()
        axe_check(page, f"/opina with an error at {width} px")
        page.goto(site + "/opina/meson?u=oirs")
        axe_check(page, f"/opina/meson at {width} px")
        page.goto(site + "/transparencia#encuesta-atencion")
        assert page.locator("#encuesta-canal").is_visible()
        assert fits(page), width
        axe_check(page, f"/transparencia with the survey at {width} px")
        if ticket is not None:
            page.goto(site + f"/encuesta/{make_token(ticket)}")
            assert fits(page), width
            axe_check(page, f"ticket survey at {width} px")
        context.close()


def test_survey_answered_with_the_keyboard(browser, site, seeded):
    from app.models import AttentionAnswer

    before = seeded.query(AttentionAnswer).count()
    context = browser.new_context(
        locale="es-CL", viewport={"width": 360, "height": 740}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(site + "/opina/meson")
    page.locator("#rating-0").focus()
    page.keyboard.press("Space")
    page.locator("#kindness-0").focus()
    page.keyboard.press("Space")
    page.locator("#comment").focus()
    page.keyboard.type("Más sillas")
    page.locator("button[type=submit]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Gracias" in page.content()
    seeded.expire_all()
    assert seeded.query(AttentionAnswer).count() == before + 1
    context.close()


def test_staff_diagnosis_pages_are_accessible(browser, site, seeded, axe_check):
    from app.models import StaffQuestionnaire

    questionnaire = seeded.scalar(select(StaffQuestionnaire))
    for width, height in WIDTHS:
        context = browser.new_context(locale="es-CL", viewport={"width": width, "height": height})
        page = context.new_page()
        log_in(page, site, "admin@demo.penalolen.cl")
        page.get_by_role("link", name="Diagnóstico", exact=True).click()
        page.wait_for_url(site + "/staff/diagnostico/externo")
        assert page.locator("#por-canal").is_visible()
        axe_check(page, f"external report at {width} px")
        page.goto(site + "/staff/diagnostico/opiniones")
        axe_check(page, f"open answers at {width} px")
        page.goto(site + f"/staff/diagnostico-interno/{questionnaire.id}/informe")
        axe_check(page, f"internal report at {width} px")
        page.goto(site + "/staff/admin/diagnostico-interno/nuevo")
        axe_check(page, f"new questionnaire at {width} px")
        page.goto(site + "/staff/counter/encuesta")
        axe_check(page, f"counter poster at {width} px")
        context.close()
