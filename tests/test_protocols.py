"""Attention protocols: sanitised rendering, versions written by admins, "leído" per version
(shown to admins), and the panel at the counter (without JavaScript too) and on the ticket page.
Through the real HTTP surface, but for the renderer's own properties."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app import protocols
from app.models import Category, CategoryProtocol, ProtocolRead, StaffUser, Ticket

ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em"}
ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[pinche aquí](javascript:alert(1))",
    "<a href='javascript:alert(1)'>x</a>",
    "![img](javascript:alert(1))",
    "<javascript:alert(1)>",
    "<https://evil.example/>",
    "**<iframe src=//evil.example>**",
    '<p onclick="alert(1)">x</p>',
    "&lt;script&gt;",
    "<svg/onload=alert(1)>",
]


def tags(html: str) -> set[str]:
    return {m.lower() for m in re.findall(r"</?\s*([a-zA-Z][a-zA-Z0-9]*)", html)}


def test_only_paragraphs_lists_bold_and_italic_survive():
    html = protocols.render("Pregunte:\n\n- el **número** del poste\n- si *parpadea*\n\n1. a\n2. b")
    assert "<strong>número</strong>" in html and "<em>parpadea</em>" in html
    assert "<ul>" in html and "<ol>" in html and "<p>Pregunte:</p>" in html
    for attack in ATTACKS:
        rendered = str(protocols.render(f"Texto {attack} final"))
        assert tags(rendered) <= ALLOWED_TAGS, (attack, rendered)
        assert not re.search(r"<[^>]*\bhref\s*=", rendered), rendered  # only as text
        assert not re.search(r"<[^>]*\bon\w+\s*=", rendered), rendered
        assert "<script" not in rendered and "<a " not in rendered and "<img" not in rendered


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(list("<>/=\"' abjs:()*_-[]!#&;\n1.") + ATTACKS), max_size=40).map(
        "".join
    )
)
def test_no_text_makes_any_other_tag_or_attribute(text):
    rendered = str(protocols.render(text))
    assert tags(rendered) <= ALLOWED_TAGS
    assert not re.search(r"<(?!/?(p|ul|ol|li|strong|em)\b)[^>]*>", rendered)
    assert not re.search(r"<(p|ul|li|strong|em)\s[^>]*>", rendered)  # no attributes but ol start


def user(session, email) -> StaffUser:
    return session.scalar(select(StaffUser).where(StaffUser.email == email))


def category(session, code) -> Category:
    return session.scalar(select(Category).where(Category.code == code))


def edit(client, category_id, body):
    return client.post(
        f"/staff/admin/categorias/{category_id}/protocolo", data={"protocol-body": body}
    )


def test_admins_edit_protocols_as_versions_and_see_who_read_which(client, demo, login):
    pothole = category(demo, "bache")
    seeded = protocols.current(demo, pothole.id)
    assert seeded is not None and seeded.version == 1  # the demo seeds a few

    login(user(demo, "agente@demo.penalolen.cl"))
    assert edit(client, pothole.id, "Nada").status_code == 403
    login(user(demo, "admin@demo.penalolen.cl"))
    assert (
        edit(client, pothole.id, "**Pregunte** la dirección.\n\n<script>x()</script>").status_code
        == 303
    )
    assert (
        edit(client, pothole.id, "**Pregunte** la dirección.\n\n<script>x()</script>").status_code
        == 303
    )
    versions = demo.scalars(
        select(CategoryProtocol.version).where(CategoryProtocol.category_id == pothole.id)
    ).all()
    assert sorted(versions) == [1, 2]  # the same text twice is one version

    # An agent reads version 2 at the counter... (well, the head: agents do not serve walk-ins)
    login(user(demo, "meson@demo.penalolen.cl"))
    current = protocols.current(demo, pothole.id)
    marked = client.post(
        "/staff/protocolos/leido",
        data={"protocol_id": current.id, "volver": "/staff/counter"},
    )
    assert marked.status_code == 303 and marked.location.endswith("/staff/counter")
    assert (
        client.post(
            "/staff/protocolos/leido", data={"protocol_id": current.id}, headers={"X-Fragment": "1"}
        ).status_code
        == 204
    )  # twice (staff.js in the background) is still one reading
    assert demo.scalar(select(func.count()).select_from(ProtocolRead)) == 1

    login(user(demo, "admin@demo.penalolen.cl"))
    page = client.get(f"/staff/admin/categorias/{pothole.id}").get_data(as_text=True)
    assert "Quién lo leyó" in page and "Camila Rojas" in page
    assert "<strong>Pregunte</strong>" in page and "<script>x()" not in page
    assert "&lt;script&gt;x()&lt;/script&gt;" in page
    # A new version must be read again.
    edit(client, pothole.id, "Pregunte la dirección y el tamaño.")
    login(user(demo, "meson@demo.penalolen.cl"))
    fragment = client.get(f"/staff/protocolos/categoria?categoria={pothole.id}")
    assert "Versión 3" in fragment.get_data(as_text=True)
    assert "Marcar como leído" in fragment.get_data(as_text=True)
    # Emptied: withdrawn, no panel.
    login(user(demo, "admin@demo.penalolen.cl"))
    edit(client, pothole.id, "")
    assert protocols.current(demo, pothole.id) is None
    login(user(demo, "meson@demo.penalolen.cl"))
    empty = client.get(f"/staff/protocolos/categoria?categoria={pothole.id}").get_data(as_text=True)
    assert "Protocolo de atención" not in empty


def test_the_counter_shows_the_protocol_without_javascript(client, demo, login):
    login(user(demo, "meson@demo.penalolen.cl"))
    light = category(demo, "luminaria")
    page = client.get("/staff/counter").get_data(as_text=True)
    assert "Ver el protocolo de esta categoría" in page and "protocolo-titulo" not in page
    shown = client.post(
        "/staff/counter",
        data={
            "name": "Ana Torres",
            "category": str(light.id),
            "description": "Poste apagado hace una semana",
            "source": "counter",
            "ver_protocolo": "1",
        },
    )
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "Protocolo de atención: Luminaria apagada o dañada" in html
    assert "número del poste" in html
    assert "Poste apagado hace una semana" in html and 'value="Ana Torres"' in html
    assert f'<option value="{light.id}" data-keywords' in html and "selected" in html
    assert "errores" not in html.split("<main", 1)[1][:200]
    assert demo.scalar(select(func.count()).select_from(Ticket)) == 0  # nothing filed
    # Filing still works the usual way, and the ticket page shows the protocol too.
    filed = client.post(
        "/staff/counter",
        data={
            "name": "Ana Torres",
            "category": str(light.id),
            "description": "Poste apagado hace una semana",
            "source": "counter",
        },
    )
    assert filed.status_code == 303
    code = filed.location.rsplit("/", 1)[1]
    ticket_page = client.get(f"/staff/tickets/{code}").get_data(as_text=True)
    assert "Protocolo de atención: Luminaria apagada o dañada" in ticket_page
    assert 'form="protocolo-leido"' in ticket_page and 'id="protocolo-leido"' in ticket_page
