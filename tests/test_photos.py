"""Photos: uploaded on the web form and at the counter (checked by content, cleaned of every
metadata, bounded), kept in the photo storage (local files or an S3-compatible server),
staff-only until a staff member of the unit publishes one, and MMS photos fetched by a job."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from app.models import Photo, Ticket
from app.tickets.codes import display
from workers.jobs import fetch_photo, relay_outbox
from workers.queue import embedded, worker_connection
from workers.worker import make_worker

DESCRIPTION = "El poste de la esquina está apagado desde el lunes."
# Plaza Egaña, more or less: 33°27'14" S, 70°34'12" W.
GPS = {1: "S", 2: (33.0, 27.0, 14.0), 3: "W", 4: (70.0, 34.0, 12.0)}


def image_bytes(fmt="JPEG", size=(2400, 1200), gps=True) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "Camara de prueba"  # Make
    if gps:
        exif[0x8825] = GPS
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture(autouse=True)
def photo_dir(app, tmp_path):
    saved = {k: app.config[k] for k in ("PHOTO_DIR", "PHOTO_STORAGE", "PHOTO_MAX_MB")}
    app.config["PHOTO_DIR"] = str(tmp_path / "photos")
    yield tmp_path / "photos"
    app.config.update(saved)
    app.extensions.pop("conectados.photo_storage", None)


@pytest.fixture
def unit(session, make_category, make_user):
    category = make_category("luminaria")
    other = make_category("baches")
    sensitive = make_category("social", sensitive=True)
    agent = make_user("agent", department=category.department)
    outsider = make_user("agent", department=other.department)
    session.commit()
    return category, sensitive, agent, outsider


def post_form(client, category, files=(), **fields):
    data = {"category": str(category.id), "description": DESCRIPTION, **fields}
    data["photos"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post("/solicitudes/nueva", data=data, content_type="multipart/form-data")


def stored_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.jpg")) if directory.exists() else []


def test_an_uploaded_photo_loses_its_gps_and_is_bounded(client, session, unit, photo_dir):
    category, *_ = unit
    response = post_form(client, category, files=[("poste.jpg", image_bytes())], photo_location="y")
    assert response.status_code == 303, response.get_data(as_text=True)
    photo = session.scalar(select(Photo))
    ticket = session.get(Ticket, photo.ticket_id)
    # Offered as the pin (the resident asked for it), then stripped from the file.
    assert ticket.lat == pytest.approx(-33.453889, abs=1e-5)
    assert ticket.lon == pytest.approx(-70.57, abs=1e-5)
    kept = Image.open(photo_dir / photo.key)
    assert kept.format == "JPEG"
    assert max(kept.size) == 1600
    assert len(kept.getexif()) == 0 and not kept.getexif().get_ifd(0x8825)
    assert "exif" not in kept.info and "icc_profile" not in kept.info
    assert b"Camara de prueba" not in (photo_dir / photo.key).read_bytes()
    thumb = Image.open(photo_dir / photo.thumb_key)
    assert max(thumb.size) == 320


def test_without_asking_the_photos_place_is_not_used(client, session, unit):
    category, *_ = unit
    assert post_form(client, category, files=[("poste.jpg", image_bytes())]).status_code == 303
    assert session.scalar(select(Ticket)).lat is None


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "HEIF"])
def test_each_format_is_taken_and_stored_as_a_clean_jpeg(client, session, unit, photo_dir, fmt):
    category, *_ = unit
    content = image_bytes(fmt, size=(800, 600))
    response = post_form(client, category, files=[("foto.bin", content)])
    assert response.status_code == 303
    photo = session.scalar(select(Photo))
    kept = Image.open(photo_dir / photo.key)
    assert (kept.format, kept.size) == ("JPEG", (800, 600))
    assert len(kept.getexif()) == 0


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("foto.jpg", b"no soy una imagen, solo texto" * 10)], "no es una foto"),
        ([("grande.jpg", b"\xff\xd8" + b"0" * (10 * 1024 * 1024 + 10))], "pesa más de 10 MB"),
        ([(f"f{n}.jpg", image_bytes(size=(50, 50))) for n in range(4)], "hasta 3 fotos"),
    ],
    ids=["fake", "oversized", "too-many"],
)
def test_a_bad_photo_is_refused_keeping_what_was_typed(
    client, session, unit, photo_dir, files, message
):
    category, *_ = unit
    response = post_form(client, category, files=files, address="Av. Grecia 8735")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert DESCRIPTION in page and "Av. Grecia 8735" in page  # nothing typed is lost
    assert session.scalar(select(func.count()).select_from(Ticket)) == 0
    assert session.scalar(select(func.count()).select_from(Photo)) == 0
    assert stored_files(photo_dir) == []


def test_other_doors_keep_their_small_limit(client, unit):
    big = b"x" * (3 * 1024 * 1024)
    response = client.post("/staff/login", data={"email": big.decode()})
    assert response.status_code == 413


def test_the_counter_takes_photos(client, session, unit, make_user, login):
    category, *_ = unit
    login(make_user("counter"))
    session.commit()
    response = client.post(
        "/staff/counter",
        data={
            "category": str(category.id),
            "description": "Vecino reporta poste apagado.",
            "source": "counter",
            "photos": [(io.BytesIO(image_bytes(size=(300, 200))), "poste.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    assert session.scalar(select(Photo)).source == "counter"


def file_with_photo(client, session, category) -> Photo:
    assert post_form(client, category, files=[("poste.jpg", image_bytes())]).status_code == 303
    return session.scalar(select(Photo).order_by(Photo.id.desc()))


def test_photos_are_staff_only_until_the_unit_publishes_one(client, session, unit, login):
    category, _sensitive, agent, outsider = unit
    photo = file_with_photo(client, session, category)
    ticket = session.get(Ticket, photo.ticket_id)
    code = display(ticket.code)
    public = f"/fotos/{photo.token}.jpg"

    assert client.get(public).status_code == 404
    assert client.get(f"/staff/fotos/{photo.id}").status_code in (302, 401)  # log in first
    assert f"/fotos/{photo.token}" not in client.get(f"/seguimiento/{code}").get_data(True)

    login(outsider)  # reads any ticket, but may not publish another unit's photos
    staff_copy = client.get(f"/staff/fotos/{photo.id}")
    assert staff_copy.status_code == 200 and staff_copy.mimetype == "image/jpeg"
    assert "public" not in staff_copy.headers["Cache-Control"]  # never in a shared cache
    assert client.post(f"/staff/fotos/{photo.id}/publicar").status_code == 403
    assert client.get(public).status_code == 404

    login(agent)
    page = client.get(f"/staff/tickets/{code}").get_data(as_text=True)
    assert "no se ven caras, patentes ni números de casa" in page
    response = client.post(f"/staff/fotos/{photo.id}/publicar")
    assert response.status_code == 303
    client.get("/staff/logout")

    with client.session_transaction() as flask_session:
        flask_session.clear()
    published = client.get(public)
    assert published.status_code == 200 and published.mimetype == "image/jpeg"
    assert published.headers["Cache-Control"].startswith("public")
    assert len(Image.open(io.BytesIO(published.data)).getexif()) == 0
    assert public in client.get(f"/seguimiento/{code}").get_data(as_text=True)
    feed = client.get(f"/open311/v2/requests/{ticket.public_id}.json").json
    assert feed[0]["media_url"] == f"http://testserver{public}"

    login(agent)
    assert client.post(f"/staff/fotos/{photo.id}/retirar").status_code == 303
    with client.session_transaction() as flask_session:
        flask_session.clear()
    assert client.get(public).status_code == 404
    feed = client.get(f"/open311/v2/requests/{ticket.public_id}.json").json
    assert feed[0].get("media_url") is None


def test_photos_of_a_sensitive_category_are_never_published(
    client, session, unit, login, make_user
):
    _category, sensitive, *_ = unit
    photo = file_with_photo(client, session, sensitive)
    login(make_user("agent", department=sensitive.department))
    session.commit()
    response = client.post(f"/staff/fotos/{photo.id}/publicar")
    assert response.status_code == 422
    assert client.get(f"/fotos/{photo.token}.jpg").status_code == 404


# --- S3-compatible storage against a local server ------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def s3(app, monkeypatch):
    import boto3
    from moto.server import ThreadedMotoServer

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket="fotos")
    app.config.update(
        {"PHOTO_STORAGE": "s3", "PHOTO_S3_BUCKET": "fotos", "PHOTO_S3_ENDPOINT": endpoint}
    )
    try:
        yield client
    finally:
        app.config.update(
            {"PHOTO_STORAGE": "local", "PHOTO_S3_BUCKET": None, "PHOTO_S3_ENDPOINT": None}
        )
        server.stop()


def test_photos_live_in_an_s3_bucket(client, session, unit, login, s3, photo_dir):
    category, _sensitive, agent, _ = unit
    photo = file_with_photo(client, session, category)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="fotos")["Contents"]}
    assert keys == {photo.key, photo.thumb_key}
    assert stored_files(photo_dir) == []  # nothing on local disk
    stored = s3.get_object(Bucket="fotos", Key=photo.key)["Body"].read()
    assert not Image.open(io.BytesIO(stored)).getexif().get_ifd(0x8825)
    login(agent)
    assert client.get(f"/staff/fotos/{photo.id}").data == stored
    assert client.post(f"/staff/fotos/{photo.id}/publicar").status_code == 303
    assert photo.public_key in {o["Key"] for o in s3.list_objects_v2(Bucket="fotos")["Contents"]}
    assert client.get(f"/fotos/{photo.token}.jpg").data == stored


# --- MMS photos: a worker job fetches them from Twilio ------------------------------------------

INBOUND = "http://testserver/channels/sms/inbound"


def mms(client, media_url, sid="SM" + "7" * 32):
    params = {
        "From": "+56987654321",
        "To": "+56229999999",
        "Body": "Poste apagado en Av. Grecia con Tobalaba",
        "MessageSid": sid,
        "NumMedia": "1",
        "MediaUrl0": media_url,
        "MediaContentType0": "image/jpeg",
    }
    signature = RequestValidator("test-auth-token").compute_signature(INBOUND, params)
    response = client.post(
        "/channels/sms/inbound", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200


def run_jobs(app, session, rounds: int = 3) -> None:
    """Embedded mode ran the jobs already (JOBS_SYNC); on Redis a worker runs what is queued,
    and the relay hands it the retries whose time has come."""
    for _ in range(rounds):
        session.commit()
        if not embedded():
            relay_outbox()
            make_worker(app, worker_connection(), fork=False).work(burst=True)
        session.expire_all()


@pytest.fixture
def twilio_media(app, fake_twilio):
    saved = {k: app.config[k] for k in ("TWILIO_API_BASE_URL", "NOTIFY_BACKOFF_SECONDS")}
    app.config.update({"TWILIO_API_BASE_URL": fake_twilio.base_url, "NOTIFY_BACKOFF_SECONDS": 0})
    fake_twilio.media_auth = (app.config["TWILIO_ACCOUNT_SID"], "test-auth-token")
    yield fake_twilio
    app.config.update(saved)


def test_an_mms_photo_is_fetched_by_a_job_with_twilios_credentials(
    app, client, session, unit, twilio_media, photo_dir
):
    url = twilio_media.add_media(image_bytes())
    mms(client, url)  # the job is enqueued after the commit, never run in the webhook
    run_jobs(app, session)
    photo = session.scalar(select(Photo))
    assert (photo.source, photo.status, photo.source_url) == ("mms", "stored", url)
    assert not Image.open(photo_dir / photo.key).getexif().get_ifd(0x8825)
    assert session.get(Ticket, photo.ticket_id).media_urls == [url]  # the channel's record
    assert twilio_media.media_gets == 1
    assert fetch_photo(photo.id) == "skipped"  # idempotent: done once, never again
    assert twilio_media.media_gets == 1


def test_a_failed_fetch_is_retried_and_wrong_credentials_give_up(
    app, client, session, unit, twilio_media
):
    twilio_media.fail_media(1)
    mms(client, twilio_media.add_media(image_bytes(size=(200, 100))))
    run_jobs(app, session)
    photo = session.scalar(select(Photo))
    # The 500 was retried (no backoff here: at once) and the second try stored it.
    assert (photo.status, photo.attempts, twilio_media.media_gets) == ("stored", 2, 2)
    twilio_media.media_auth = ("AC" + "0" * 32, "another-token")
    mms(client, twilio_media.add_media(image_bytes()), sid="SM" + "8" * 32)
    run_jobs(app, session)
    refused = session.scalar(select(Photo).order_by(Photo.id.desc()))
    assert refused.status == "failed" and "401" in refused.last_error


def test_media_outside_twilios_host_is_never_fetched(app, client, session, unit, twilio_media):
    mms(client, "http://127.0.0.2:9/foto.jpg")
    run_jobs(app, session)
    photo = session.scalar(select(Photo))
    assert photo.status == "failed" and twilio_media.media_gets == 0


def test_anonymizing_a_person_removes_their_photos_once_it_commits(
    client, session, unit, login, make_user, photo_dir
):
    from app.models import Contact

    category, _sensitive, _agent, _outsider = unit
    photo = file_with_photo(client, session, category)
    person = Contact(name="Vecina", mobile="+56987650000", mobile_verified_at=photo.created_at)
    session.add(person)
    session.flush()
    session.get(Ticket, photo.ticket_id).person_id = person.id
    admin = make_user("admin")
    session.commit()
    assert len(stored_files(photo_dir)) == 2  # the photo and its thumbnail
    login(admin)
    done = client.post(
        f"/staff/personas/{person.id}/anonimizar",
        data={"reason": "Supresión pedida por la persona", "confirmation": "ANONIMIZAR"},
    )
    assert done.status_code == 303, done.get_data(as_text=True)
    session.expire_all()
    assert session.get(Photo, photo.id).status == "removed"
    assert stored_files(photo_dir) == []
    assert client.get(f"/staff/fotos/{photo.id}").status_code == 404
