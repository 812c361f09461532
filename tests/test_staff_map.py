"""/staff/mapa: the queue's open tickets with a location, drawn by the server (no tiles, no
JavaScript), as GeoJSON and as a table; the queue's visibility rule and filters apply."""

from sqlalchemy import select

from app.models import Category, StaffUser
from app.tickets.codes import display


def _staff(demo, email):
    return demo.scalar(select(StaffUser).where(StaffUser.email == email))


def test_the_map_shows_located_open_tickets_the_person_may_list(client, demo, login, make_ticket):
    lamp = demo.scalar(select(Category).where(Category.code == "luminaria"))
    other = demo.scalar(
        select(Category).where(
            Category.department_id != lamp.department_id,
            Category.is_triage.is_(False),
            Category.sensitive.is_(False),
        )
    )
    here = make_ticket(lamp, lat=-33.4853, lon=-70.5361, address="Av. Grecia 8735")
    close = make_ticket(lamp, lat=-33.4854, lon=-70.5362)
    far = make_ticket(lamp, lat=-33.5000, lon=-70.5000)
    nowhere = make_ticket(lamp)
    elsewhere = make_ticket(other, lat=-33.49, lon=-70.52)
    demo.commit()

    assert client.get("/staff/mapa").status_code == 302  # staff only
    login(_staff(demo, "agente@demo.penalolen.cl"))  # an agent of the luminaria unit
    page = client.get("/staff/mapa").get_data(as_text=True)
    for ticket in (here, close, far):
        assert display(ticket.code) in page
    assert display(nowhere.code) not in page and display(elsewhere.code) not in page
    assert "<svg" in page and "Av. Grecia 8735" in page and "<script" not in page

    collection = client.get("/staff/mapa.geojson").get_json()
    assert collection["type"] == "FeatureCollection" and not collection["truncated"]
    points = {f["properties"]["code"]: f["geometry"]["coordinates"] for f in collection["features"]}
    assert points[display(here.code)] == [-70.5361, -33.4853]
    assert set(points) == {display(t.code) for t in (here, close, far)}
    # the two tickets 15 m apart are one cluster; the far one its own point
    assert page.count('class="map-cluster"') == 1


def test_the_queues_filters_apply_and_a_bad_one_is_explained(client, demo, login, make_ticket):
    lamp = demo.scalar(select(Category).where(Category.code == "luminaria"))
    make_ticket(lamp, lat=-33.4853, lon=-70.5361)
    demo.commit()
    login(_staff(demo, "admin@demo.penalolen.cl"))
    closed_only = client.get("/staff/mapa.geojson?estado=closed").get_json()
    assert closed_only["features"] == []
    bad = client.get("/staff/mapa?desde=32-13-2026")
    assert bad.status_code == 422
