"""Spanish (es-CL) by default; English as the second locale, chosen or remembered."""


def test_spanish_is_the_default(client, demo):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="es-CL">' in page and "Solicitudes a la Municipalidad" in page


def test_english_on_request_and_remembered(client, demo):
    page = client.get("/?lang=en")
    html = page.get_data(as_text=True)
    assert '<html lang="en">' in html and "Requests to the Municipality" in html
    assert "lang=en" in page.headers["Set-Cookie"]
    form = client.post("/solicitudes/nueva", data={"category": "", "description": ""})
    assert "Choose the topic of your request." in form.get_data(as_text=True)


def test_english_browsers_get_english(client, demo):
    html = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in html


def test_every_message_has_an_english_translation():
    from pathlib import Path

    from babel.messages.pofile import read_po

    catalog_path = Path(__file__).parents[1] / "app/translations/en/LC_MESSAGES/messages.po"
    with catalog_path.open("rb") as handle:
        catalog = read_po(handle)
    missing = [m.id for m in catalog if m.id and not m.string]
    assert missing == []
    assert catalog_path.with_suffix(".mo").exists()
