"""The access trail in the browser: a counter search, then an admin filters the trail by the
searched RUT with the keyboard and gets it in words; a mistyped date is explained next to its
field. axe-core finds no WCAG 2.1 A/AA violation; another unit's agent reads a ticket with its
contact details withheld."""

from __future__ import annotations

from tests.browser.test_resident_flow import tab_to
from tests.browser.test_staff_flow import log_in


def test_an_admin_reads_who_looked_a_person_up(browser, site, axe_check):
    clerk = browser.new_context(locale="es-CL", viewport={"width": 1280, "height": 900})
    page = clerk.new_page()
    log_in(page, site, "meson@demo.penalolen.cl")
    page.goto(site + "/staff/counter?buscar=12.345.678-5")
    assert "Cada búsqueda queda en el registro de accesos." in page.content()
    clerk.close()

    admin = browser.new_context(locale="es-CL", viewport={"width": 1280, "height": 900})
    page = admin.new_page()
    log_in(page, site, "admin@demo.penalolen.cl")
    page.goto(site + "/staff/admin")
    page.get_by_role("link", name="Registro de accesos a datos personales").click()
    axe_check(page, "access log")
    tab_to(page, "persona")
    page.keyboard.type("12345678-5")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    content = page.content()
    assert "Buscó a una persona por RUT, celular o correo (por RUT)" in content
    assert "Camila Rojas (mesón OIRS)" in content and "Mesón" in content
    axe_check(page, "access log filtered by a RUT")
    page.goto(site + "/staff/admin/accesos?desde=ayer")  # a browser without a date picker
    assert "Escriba la fecha como AAAA-MM-DD." in page.content()
    axe_check(page, "access log with a mistyped date")
    admin.close()


def test_another_units_agent_reads_a_ticket_without_its_contact(browser, site, demo, axe_check):
    from sqlalchemy import select

    from app.models import Category
    from app.tickets import RESIDENT, TicketIntake, open_ticket
    from app.tickets.codes import display

    garbage = demo.scalar(select(Category).where(Category.code == "basura"))  # DIMAO
    intake = TicketIntake(
        channel="web",
        category_id=garbage.id,
        description="El camión no pasó por el pasaje",
        name="Violeta Parra",
        email="violeta@example.cl",
        consent_notify=True,
    )
    ticket = open_ticket(demo, intake, RESIDENT)
    demo.commit()
    context = browser.new_context(locale="es-CL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, site, "agente@demo.penalolen.cl")  # Operaciones, not Aseo
    page.goto(site + f"/staff/tickets/{display(ticket.code)}")
    content = page.content()
    assert "Datos de contacto reservados" in content and "El camión no pasó" in content
    assert "Violeta" not in content and "violeta@example.cl" not in content
    axe_check(page, "ticket with its contact withheld")
    context.close()
