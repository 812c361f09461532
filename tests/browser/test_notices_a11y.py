"""A head follows the dashboard's count of failed notices to ``/staff/avisos``, filters with the
keyboard, and retries one; the page passes axe-core's WCAG 2.1 AA rules."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.models import Category, Notification, utcnow
from app.tickets import RESIDENT, TicketIntake, open_ticket
from tests.browser.test_staff_flow import log_in


def test_a_head_finds_and_retries_a_failed_notice(browser, site, demo, axe_check):
    light = demo.scalar(select(Category).where(Category.code == "luminaria"))
    ticket = open_ticket(
        demo,
        TicketIntake(channel="web", category_id=light.id, description="Poste apagado en la plaza"),
        RESIDENT,
    )
    now = utcnow()
    for channel, recipient, kind in (
        ("sms", "+56987654321", "rejected"),
        ("email", "vecina@example.cl", "unavailable"),
    ):
        demo.add(
            Notification(
                ticket_id=ticket.id,
                channel=channel,
                recipient=recipient,
                template="public_reply",
                body="Hay una respuesta a su solicitud.",
                status="failed",
                attempts=1,
                error_kind=kind,
                created_at=now - timedelta(hours=1),
                updated_at=now - timedelta(hours=1),
            )
        )
    demo.commit()

    context = browser.new_context(locale="es-CL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, site, "jefatura@demo.penalolen.cl")
    page.get_by_role("link", name="Tablero").click()
    count = page.get_by_text("Avisos fallidos o atrasados ahora:").get_by_role("link")
    assert count.inner_text() == "2"
    count.click()
    page.wait_for_url(site + "/staff/avisos")
    assert page.locator("tbody tr").count() == 2
    axe_check(page, "notices page")

    page.get_by_label("Canal").select_option(label="SMS")
    page.get_by_role("button", name="Filtrar").press("Enter")
    page.wait_for_url(site + "/staff/avisos?estado=atencion&canal=sms&antiguedad=")
    assert page.locator("tbody tr").count() == 1
    page.get_by_role("button", name="Reintentar").press("Enter")
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text().strip() == "El aviso se enviará de nuevo."
    axe_check(page, "notices page after a retry")
    context.close()
