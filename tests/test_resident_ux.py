"""Residents' screens as residents use them (issue 16): every error on the first submit, an
explicit choice about notices and where they go, the number to text, the question beside the
answer box, a duplicate's original told without its code, a print button, expired forms that
keep the text, coordinates as Chileans type them, Spanish names marked in English pages."""

import re
from contextlib import contextmanager

from flask_babel import refresh
from sqlalchemy import func, select

from app.models import Category, StaffUser, Ticket
from app.tickets import Actor, mark_duplicate, transition
from app.tickets.codes import display
from app.tickets.survey import make_token
from channels.sms import replies
from tests.test_web import file_request

MOBILE = "+56987654321"
EMAIL = "maria.gonzalez@example.cl"


def admin(session) -> Actor:
    return Actor.staff(session.scalar(select(StaffUser).where(StaffUser.role == "admin")))


def last_ticket(session) -> Ticket:
    return session.scalar(select(Ticket).order_by(Ticket.id.desc()))


@contextmanager
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --- every error at once --------------------------------------------------------------------


def test_every_problem_of_the_web_form_shows_on_the_first_submit(client, demo):
    response = client.post(
        "/solicitudes/nueva",
        data={
            "category": "",
            "description": "corto",
            "lat": "-33,4853",
            "lon": "",
            "mobile": "123",
            "email": "no-es-correo",
            "consent": "y",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    summary = html.split('id="errores"')[1].split("</div>")[0]
    for anchor in ("category", "description", "lon", "mobile", "email"):  # lon: the missing one
        assert f'href="#{anchor}"' in summary, anchor
    assert "El número de teléfono no es válido." in summary
    assert "El correo electrónico no es válido." in summary
    assert 'value="-33,4853"' in html  # what was typed stays as typed
    assert demo.scalar(select(func.count(Ticket.id))) == 0


def test_a_rights_request_without_a_way_to_answer_is_told_with_the_other_errors(client, demo):
    rights = demo.scalar(select(Category.id).where(Category.code == "datos_acceso"))
    response = client.post(
        "/solicitudes/nueva", data={"category": str(rights), "description": "x", "lat": "1"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    summary = html.split('id="errores"')[1].split("</div>")[0]
    assert 'href="#description"' in summary and 'href="#lat"' in summary
    assert 'href="#email"' in summary  # the domain's rule, on the same submit


def test_the_survey_and_the_reply_show_an_error_summary(client, demo):
    file_request(client, demo)
    ticket = last_ticket(demo)
    transition(demo, ticket, "resolved", admin(demo), body="Reparada.")
    demo.commit()
    empty = client.post(f"/encuesta/{make_token(ticket)}", data={})
    html = empty.get_data(as_text=True)
    assert empty.status_code == 422
    assert 'class="error-summary"' in html and 'href="#rating-0"' in html
    assert re.search(
        r'<div class="radio"><input[^>]+id="rating-0"[^>]*> <label for="rating-0"', html
    )


def test_the_verify_code_form_summarises_its_error(client, demo):
    file_request(client, demo, mobile=MOBILE, consent="y")
    code = display(last_ticket(demo).code)
    page = client.post(f"/seguimiento/{code}/verificar", data={"code": ""})
    assert page.status_code == 422
    assert 'href="#code"' in page.get_data(as_text=True)


# --- notices: an explicit choice, and where they go ----------------------------------------


def test_a_contact_without_a_choice_about_notices_is_asked_for_it(client, demo):
    response = client.post(
        "/solicitudes/nueva",
        data={
            "category": str(demo.scalar(select(Category.id).where(Category.code == "luminaria"))),
            "description": "La luminaria de la esquina está apagada hace una semana.",
            "mobile": "9 8765 4321",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "elija si quiere recibir avisos" in html and 'href="#consent-0"' in html
    assert 'type="radio"' in html and "Sí, quiero recibir avisos" in html


def test_the_confirmation_says_where_notices_go_masked(client, demo):
    response = file_request(client, demo, mobile="9 8765 4321", email=EMAIL, consent="y")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "por SMS al celular +56 9 •••• ••21" in page
    assert MOBILE not in page and "87654321" not in page and EMAIL not in page

    response = file_request(client, demo, email=EMAIL, consent="y")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "por correo a ma•••@e•••.cl" in page

    response = file_request(client, demo, email=EMAIL, consent="n")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No le enviaremos avisos, como eligió" in page
    assert not last_ticket(demo).contact.consent_notify


# --- the number to text, the OIRS phone ------------------------------------------------------


def test_the_number_to_text_is_on_home_confirmation_receipt_and_sms_help(app, client, demo):
    app.config["SMS_PUBLIC_NUMBER"] = "+56 2 2999 1234"
    try:
        assert "+56 2 2999 1234" in client.get("/").get_data(as_text=True)
        location = file_request(client, demo).headers["Location"]
        assert "+56 2 2999 1234" in client.get(location).get_data(as_text=True)
        code = display(last_ticket(demo).code)
        receipt = client.get(f"/seguimiento/{code}/comprobante").get_data(as_text=True)
        assert "+56 2 2999 1234" in receipt
        with app.test_request_context():
            assert "+56 2 2999 1234" in replies.help_text()
    finally:
        app.config["SMS_PUBLIC_NUMBER"] = "+56 2 2000 0000"


def test_an_unknown_code_gives_the_oirs_phone(client, demo):
    html = client.get("/seguimiento?code=K7M4-QX9P-Z").get_data(as_text=True)
    page = client.get("/seguimiento/K7M4QX9PZ").get_data(as_text=True)
    for text in (html, page):
        if "tipeo" not in text:
            assert "+56 2 2000 0100" in text


def test_the_receipt_offers_a_print_button_without_inline_script(client, demo):
    file_request(client, demo)
    code = display(last_ticket(demo).code)
    html = client.get(f"/seguimiento/{code}/comprobante").get_data(as_text=True)
    assert '<button type="button" id="imprimir" hidden>' in html
    assert "print.js" in html and "Ctrl+P" not in html and "<script>" not in html


# --- the question and the answer box; duplicates -------------------------------------------


def test_the_question_sits_in_the_answer_box(client, demo):
    file_request(client, demo)
    ticket = last_ticket(demo)
    transition(demo, ticket, "waiting_resident", admin(demo), body="¿Frente a qué número?")
    demo.commit()
    html = client.get(f"/seguimiento/{display(ticket.code)}").get_data(as_text=True)
    box = html.split('id="responder"')[1].split("</section>")[0]
    assert "¿Frente a qué número?" in box and "<textarea" in box
    assert box.index("¿Frente a qué número?") < box.index("<textarea")


def test_a_duplicate_tells_the_original_by_its_facts_never_its_code(client, demo):
    file_request(client, demo, email=EMAIL, consent="n")
    original = last_ticket(demo)
    file_request(client, demo)
    duplicate = last_ticket(demo)
    mark_duplicate(demo, duplicate, original, admin(demo))
    demo.commit()
    html = client.get(f"/seguimiento/{display(duplicate.code)}").get_data(as_text=True)
    section = html.split('id="original"')[1].split("</section>")[0]
    assert original.category.name in section and "Recibida" in section
    assert "se entregó solo a quien la ingresó" in section
    assert original.code not in html and display(original.code) not in html


# --- expired forms keep the text --------------------------------------------------------------


def test_an_expired_web_form_comes_back_with_the_typed_text(app, client, demo):
    light = demo.scalar(select(Category.id).where(Category.code == "luminaria"))
    with csrf_on(app):
        response = client.post(
            "/solicitudes/nueva",
            data={
                "category": str(light),
                "description": "Un texto largo que costó escribir.",
                "csrf_token": "expired",
            },
        )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "El formulario venció" in html and "Un texto largo que costó escribir." in html
    assert re.search(r'name="csrf_token" type="hidden" value="[^"]{20,}"', html)
    assert f'<option value="{light}" selected>' in html
    assert demo.scalar(select(func.count(Ticket.id))) == 0


def test_an_expired_reply_and_survey_keep_the_text(app, client, demo):
    file_request(client, demo)
    ticket = last_ticket(demo)
    transition(demo, ticket, "waiting_resident", admin(demo), body="¿Dónde?")
    demo.commit()
    code = display(ticket.code)
    with csrf_on(app):
        reply = client.post(f"/seguimiento/{code}/responder", data={"body": "Frente al 8735"})
    assert reply.status_code == 400
    assert "Frente al 8735" in reply.get_data(as_text=True)
    assert "El formulario venció" in reply.get_data(as_text=True)

    transition(demo, ticket, "in_progress", admin(demo))
    transition(demo, ticket, "resolved", admin(demo), body="Listo.")
    demo.commit()
    with csrf_on(app):
        survey = client.post(
            f"/encuesta/{make_token(ticket)}", data={"rating": "4", "comment": "Muy amables"}
        )
    html = survey.get_data(as_text=True)
    assert survey.status_code == 400 and "Muy amables" in html
    assert re.search(r'value="4"[^>]*checked|checked[^>]*value="4"', html)


# --- coordinates ------------------------------------------------------------------------------


def test_coordinates_accept_a_decimal_comma_or_point(client, demo):
    assert file_request(client, demo, lat="-33,4853", lon="-70,5380").status_code == 303
    ticket = last_ticket(demo)
    assert (ticket.lat, ticket.lon) == (-33.4853, -70.538)
    assert file_request(client, demo, lat="-33.4853", lon=" -70.5380 ").status_code == 303
    assert last_ticket(demo).lat == -33.4853


def test_coordinates_outside_chile_or_garbled_are_named(client, demo):
    for lat, lon in (("-334853", "-70,5"), ("33,48", "-70,5"), ("abc", "-70,5")):
        response = file_request(client, demo, lat=lat, lon=lon)
        assert response.status_code == 422, lat
        assert "Escriba la latitud como número entre -56 y -17" in response.get_data(as_text=True)
    response = file_request(client, demo, lat="-33,48", lon="70,5")
    assert "Escriba la longitud como número entre -110 y -66" in response.get_data(as_text=True)
    assert demo.scalar(select(func.count(Ticket.id))) == 0


# --- languages --------------------------------------------------------------------------------


def test_spanish_names_are_marked_on_english_pages(client, demo):
    file_request(client, demo)
    ticket = last_ticket(demo)
    code = display(ticket.code)
    client.get("/idioma/en?next=/")
    refresh()
    html = client.get(f"/seguimiento/{code}").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert f'<span lang="es-CL">{ticket.category.name}</span>' in html
    home = client.get("/").get_data(as_text=True)
    assert '<span lang="es-CL">' in home
    form = client.get("/solicitudes/nueva").get_data(as_text=True)
    assert re.search(r'<optgroup label="[^"]+" lang="es-CL">', form)


def test_the_language_switch_works_for_everyone_and_stays_on_this_site(client, demo):
    switch = client.get("/idioma/en?next=/seguimiento?code=X")
    refresh()
    assert switch.status_code == 303 and switch.headers["Location"] == "/seguimiento?code=X"
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    login = client.get("/staff/login").get_data(as_text=True)
    assert "/idioma/es?next=" in login and 'lang="en"' in login
    for bad in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        away = client.get("/idioma/es", query_string={"next": bad})
        assert away.headers["Location"] == "/", bad
    refresh()  # the tests' app context outlives requests; flask-babel caches the locale in it
    assert '<html lang="es-CL">' in client.get("/").get_data(as_text=True)
    assert client.get("/idioma/fr").status_code == 404
