"""The unit directory (/direcciones): residents find which unit handles what, in plain Spanish,
with the form one click away; admins edit the texts, and the change is in the trail."""

from __future__ import annotations

from sqlalchemy import select

from app.models import AccessLogEntry, Department


def _as(login, session, user):
    """Log ``user`` in, committed (a refused request rolls back what the test left pending)."""
    session.commit()
    return login(user)


def _unit(session, code):
    return session.scalar(select(Department).where(Department.code == code))


def test_every_active_unit_is_listed_and_linked_from_the_public_pages(client, demo):
    page = client.get("/direcciones").get_data(as_text=True)
    for unit in demo.scalars(select(Department).where(Department.active.is_(True))):
        assert unit.name in page
        assert f'href="/direcciones/{unit.code.lower()}"' in page
    for url in ("/", "/solicitudes/nueva", "/transparencia", "/seguimiento"):
        assert 'href="/direcciones"' in client.get(url).get_data(as_text=True), url


def test_a_unit_page_says_what_it_does_where_and_its_topics_with_a_link_to_the_form(client, demo):
    response = client.get("/direcciones/dimao")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Cache-Control" in response.headers
    assert "tenencia responsable de mascotas" in html  # its functions, in plain Spanish
    assert "Av. Las Parcelas 5950" in html and "medioambiente@penalolen.cl" in html
    assert "Lunes a viernes" in html
    assert "Retiro de basura domiciliaria" in html and "2 días hábiles" in html
    assert 'href="/solicitudes/nueva?categoria=basura"' in html
    assert "Sus cifras" in html and "Últimos 12 meses" in html
    # never a staff member's own details
    for user_email in ("agente.dimao@demo.penalolen.cl", "Agente Dirección de Medio"):
        assert user_email not in html
    assert client.get("/direcciones/no-existe").status_code == 404


def test_the_link_opens_the_form_with_the_topic_chosen(client, demo):
    html = client.get("/solicitudes/nueva?categoria=mascotas").get_data(as_text=True)
    basura = client.get("/solicitudes/nueva?categoria=no-existe").get_data(as_text=True)
    assert "Mascotas y perros abandonados</option>" in html
    option = html.split("Mascotas y perros abandonados</option>")[0].rsplit("<option", 1)[1]
    assert "selected" in option
    assert " selected" not in basura


def test_search_answers_who_handles_it_whatever_the_accents_and_case(client, demo):
    for words, topic, unit in (
        ("poste", "Luminaria apagada o dañada", "Dirección de Operaciones"),
        ("PÉRROS sueltos", "Mascotas y perros abandonados", "Dirección de Medio Ambiente"),
        ("beca", "Becas municipales", "Dirección de Desarrollo Comunitario"),
        ("Semáforo", "Semáforo con falla", "Dirección de Tránsito"),
        ("semaforo", "Semáforo con falla", "Dirección de Tránsito"),
    ):
        html = client.get("/direcciones", query_string={"q": words}).get_data(as_text=True)
        results = html.split('id="resultados"')[1].split("Direcciones y unidades")[0]
        assert topic in results, words
        assert unit in results, words
        assert "Ingresar esta solicitud" in results


def test_a_search_that_matches_nothing_sends_the_resident_to_the_oirs(client, demo):
    html = client.get("/direcciones", query_string={"q": "xyzzy plutonio"}).get_data(as_text=True)
    results = html.split('id="resultados"')[1].split("Direcciones y unidades")[0]
    assert "No encontramos" in results
    assert "Oficina de Informaciones, Reclamos y Sugerencias (OIRS)" in results
    assert 'href="/direcciones/oirs"' in results


def test_the_directory_reads_in_english_where_the_municipality_translated_it(client, demo):
    html = client.get("/direcciones/dimao?lang=en").get_data(as_text=True)
    assert "Household waste collection" in html
    assert "Monday to Friday" in html


def test_admins_edit_a_units_texts_and_the_change_is_recorded(client, demo, login, make_user):
    dop = _unit(demo, "DOP")
    data = {
        "code": "DOP",
        "name": dop.name,
        "functions": "Repara luminarias y baches.",
        "functions_en": "Fixes street lights and potholes.",
        "address": "Av. Grecia 8735",
        "opening_hours": "Lunes a jueves, 9:00 a 13:00",
        "phone": "+56 2 2486 8000",
        "email": "operaciones@penalolen.cl",
        "active": "y",
    }
    for role in ("head", "agent", "counter"):
        _as(login, demo, make_user(role, department=dop))
        assert client.get("/staff/admin/unidades").status_code == 403
        assert client.post(f"/staff/admin/unidades/{dop.id}", data=data).status_code == 403
    demo.expire_all()
    assert _unit(demo, "DOP").functions != data["functions"]

    _as(login, demo, make_user("admin"))
    listing = client.get("/staff/admin/unidades")
    assert listing.status_code == 200 and dop.name in listing.get_data(as_text=True)
    bad = client.post(f"/staff/admin/unidades/{dop.id}", data={**data, "email": "no-es-correo"})
    assert bad.status_code == 422
    demo.expire_all()
    assert _unit(demo, "DOP").functions != data["functions"]

    assert client.post(f"/staff/admin/unidades/{dop.id}", data=data).status_code == 303
    demo.expire_all()
    assert _unit(demo, "DOP").opening_hours == "Lunes a jueves, 9:00 a 13:00"
    entry = demo.scalars(
        select(AccessLogEntry).where(AccessLogEntry.kind == "department_changed")
    ).all()[-1]
    assert entry.detail["changes"]["functions"][1] == "Repara luminarias y baches."
    page = client.get("/direcciones/dop").get_data(as_text=True)
    assert "Repara luminarias y baches." in page and "Lunes a jueves" in page
