"""Test fixtures: a real database (Postgres in CI, SQLite locally) migrated once per run,
clean tables per test, and fixtures that create real rows (no mocks of our own code).

Each run is isolated: on Postgres it creates its own database ``conectados_test_<random>``
next to the one ``DATABASE_URL`` names and drops it at the end; on Redis it uses its own
database number and flushes it between tests. In CI (``CI=true``) both services are required:
a missing one fails the run, it is never skipped.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from channels.sms.fake_twilio import FakeTwilio
from config import normalize_database_url
from tests.fakes.redis_server import OwnRedis
from tests.fakes.smtp import SmtpSink
from tests.support import (
    DAY,
    ENV_DATABASE_URL,
    ENV_REDIS_URL,
    IN_CI,
    TEST_PASSWORD,
    TUESDAY_10AM,
    DemoSnapshot,
)

# The suite asks for development explicitly (as bin/run does): an app a test builds without a
# SECRET_KEY gets the development one. Tests of the other modes set APP_ENV themselves.
os.environ.setdefault("APP_ENV", "development")

DEMO = DemoSnapshot()


def _cheap_demo_password_hash() -> str:
    """The demo staff's password hashed with few rounds: logging in through the form (tests and
    browsers do it over 40 times) costs 0.1 s a time with the real scrypt hash. What the app
    stores for a password it sets itself is tested with the real hash."""
    from werkzeug.security import generate_password_hash

    from app.demo import DEMO_PASSWORD

    return generate_password_hash(DEMO_PASSWORD, method="pbkdf2:sha256:1000")


@pytest.fixture(scope="session", autouse=True)
def _demo_passwords_hash_cheaply() -> Iterator[None]:
    from app import demo

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo, "_demo_password_hash", _cheap_demo_password_hash)
        yield


# A Redis of the test's own; every migration run on an empty database of the test's own.
SLOW_FIXTURES = {"own_redis", "scratch_url", "scratch_app"}


def pytest_collection_modifyitems(config, items):  # noqa: ARG001
    """Markers by kind, so ``bin/test --fast`` can leave the slow kinds out (CI runs them all):
    ``browser`` (Chromium), ``bench`` (benchmark smoke runs), ``faults`` (injected failures),
    ``slow`` (real workers on a Redis of their own, fuzzing, subprocesses, migrations on a
    database of their own, long random runs; a test may also say so itself)."""
    for item in items:
        name = item.path.name
        if "browser" in item.path.parts:
            item.add_marker(pytest.mark.browser)
        elif name.startswith("test_bench"):
            item.add_marker(pytest.mark.bench)
        elif name == "test_faults.py":
            item.add_marker(pytest.mark.faults)
        elif "fuzz" in name or SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def _require_services() -> None:
    if not IN_CI:
        return
    if not ENV_DATABASE_URL or not ENV_DATABASE_URL.startswith(("postgres", "postgresql")):
        pytest.exit("CI needs DATABASE_URL pointing at Postgres; it is not set", returncode=3)
    if not ENV_REDIS_URL:
        pytest.exit("CI needs REDIS_URL pointing at Redis; it is not set", returncode=3)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    _require_services()
    if ENV_DATABASE_URL and ENV_DATABASE_URL.startswith(("postgres", "postgresql")):
        server = make_url(normalize_database_url(ENV_DATABASE_URL))
        name = f"conectados_test_{secrets.token_hex(4)}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        # In memory-backed /dev/shm where there is one: the commits' fsyncs cost the SQLite
        # suite about a tenth of its time. Durability is not what these tests test.
        shm = Path("/dev/shm")  # noqa: S108 - a private directory is made inside it
        with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as tmp:
            yield f"sqlite:///{Path(tmp) / 'test.db'}"


@pytest.fixture(scope="session")
def redis_url() -> str | None:
    """The Redis to test against (its own db number), or None for embedded mode."""
    _require_services()
    if not ENV_REDIS_URL:
        return None
    base = ENV_REDIS_URL.rsplit("/", 1)[0] if ENV_REDIS_URL.count("/") > 2 else ENV_REDIS_URL
    # Parallel workers (``bin/test --fast`` runs pytest-xdist's ``gw0``, ``gw1``, …) each flush
    # their own db number after every test, so they must never share one.
    # TEST_REDIS_DB picks the first number, for runs side by side on one Redis.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    first = os.environ.get("TEST_REDIS_DB")
    if worker.startswith("gw"):
        number = int(first or 1) + int(worker[2:])
    else:
        number = int(first) if first else secrets.randbelow(14) + 1
    return f"{base.rstrip('/')}/{number}"


@pytest.fixture(scope="session")
def app(database_url, redis_url):
    from flask_migrate import upgrade

    from app import create_app

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "JOBS_SYNC": True,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "test-secret",
            "PUBLIC_BASE_URL": "http://testserver",
            "TWILIO_AUTH_TOKEN": "test-auth-token",
            "MAP_TILE_URL": "",  # the map is drawn without tiles: tests never fetch real ones
        }
    )
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request) -> Iterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    from app.extensions import db
    from app.tickets import reference

    reference.invalidate()  # the rows go below, by SQL the flush listener does not see
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Only the tables holding rows, emptied by DELETE, children first, in one
                # round trip: TRUNCATE writes new files for every table it names (~0.15 s a
                # test, half of the Postgres suite's time), a test leaves a few rows in each.
                # Then every sequence back to 1.
                probe = " UNION ALL ".join(
                    f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM {t})"  # noqa: S608
                    for t in tables
                )
                used = {row[0] for row in conn.execute(text(probe))}
                if used:
                    conn.exec_driver_sql(
                        "; ".join(f"DELETE FROM {t}" for t in tables if t in used)  # noqa: S608
                    )
                conn.execute(
                    text(
                        "SELECT setval(c.oid, 1, false) FROM pg_class c"
                        " JOIN pg_namespace n ON n.oid = c.relnamespace"
                        " WHERE c.relkind = 'S' AND n.nspname = current_schema()"
                    )
                )
            else:
                for table in tables:
                    conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - our own table names
        if app.config.get("REDIS_URL"):
            from workers.queue import redis_connection

            redis_connection().flushdb()


@pytest.fixture(scope="session")
def live_server(app):
    """The test app behind a real threaded HTTP server (a thread per request, each with its own
    app context and database session): for browsers and for real concurrent requests."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def session(app):
    from app.extensions import db

    with app.app_context():
        yield db.session
        db.session.rollback()


@pytest.fixture
def client(app):
    from flask import g, has_app_context
    from flask.testing import FlaskClient

    class Client(FlaskClient):
        """Requests reuse the test's app context (and so ``g``); forget the cached user, as a
        fresh request would."""

        def open(self, *args, **kwargs):
            if has_app_context():
                g.pop("_login_user", None)
            return super().open(*args, **kwargs)

    app.test_client_class = Client
    try:
        yield app.test_client()
    finally:
        app.test_client_class = None


# --- creators ---------------------------------------------------------------------------------


@pytest.fixture
def make_department(session):
    from app.models import Department

    def make(code: str = "DOP", name: str | None = None) -> Department:
        department = Department(code=code, name=name or f"Dirección {code}")
        session.add(department)
        session.flush()
        return department

    return make


@pytest.fixture
def make_category(session, make_department):
    from app.models import Category

    def make(
        code: str = "luminaria",
        department=None,
        first: int = DAY,
        resolution: int = 5 * DAY,
        **kwargs,
    ) -> Category:
        department = department or make_department(code=f"D_{code}".upper()[:32])
        category = Category(
            code=code,
            department=department,
            name=kwargs.pop("name", code.title()),
            first_response_minutes=first,
            resolution_minutes=resolution,
            **kwargs,
        )
        session.add(category)
        session.flush()
        return category

    return make


@pytest.fixture
def make_user(session):
    from app.models import StaffUser

    counter = iter(range(1, 10_000))
    # Hashing is deliberately slow; compute the test password's hash once per test.
    from werkzeug.security import generate_password_hash

    password_hash = generate_password_hash(TEST_PASSWORD, method="pbkdf2:sha256:1000")

    def make(role: str = "agent", department=None, email: str | None = None) -> StaffUser:
        user = StaffUser(
            email=email or f"{role}{next(counter)}@test.cl",
            name=f"{role} user",
            role=role,
            department=department,
        )
        user.password_hash = password_hash
        session.add(user)
        session.flush()
        return user

    return make


@pytest.fixture
def make_ticket(session, make_category):
    from app.tickets import RESIDENT, TicketIntake, open_ticket

    default = []

    def make(category=None, *, channel="web", now=TUESDAY_10AM, actor=RESIDENT, **intake):
        if category is None:
            if not default:
                default.append(make_category())
            category = default[0]
        intake.setdefault("description", "El poste frente a mi casa está apagado.")
        return open_ticket(
            session,
            TicketIntake(channel=channel, category_id=category.id, **intake),
            actor,
            now=now,
        )

    return make


@pytest.fixture
def demo(app, session):
    """The demo service desk (departments, categories, staff), without demo tickets."""
    DEMO.load(session)
    return session


@pytest.fixture
def api_key(demo) -> str:
    """A valid API key (on the demo desk), for the API and Open311 doors."""
    from app.models import ApiKey

    key = "cnd_test-key-0123456789"
    demo.add(ApiKey(name="test", prefix=key[:10], key_hash=ApiKey.hash_key(key)))
    demo.commit()
    return key


@pytest.fixture
def login(client):
    """Log a staff user into the test client (the login form is tested on its own)."""

    def do(user):
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = user.get_id()
            flask_session["_fresh"] = True
        return user

    return do


@pytest.fixture(autouse=True)
def _reset_rate_limits(request):
    yield
    if "app" in request.fixturenames:
        from app.extensions import limiter

        with request.getfixturevalue("app").app_context():
            limiter.reset()


# --- workers: fake providers at the process boundary ------------------------------------------


@pytest.fixture
def fake_twilio():
    with FakeTwilio(slow_seconds=1.5) as twilio:
        yield twilio


@pytest.fixture
def smtp_sink():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def providers(app, fake_twilio, smtp_sink):
    """Point the app's real twilio client and smtplib at the fakes, with short timeouts and
    backoff; restore the configuration afterwards."""
    settings = {
        "SMS_BACKEND": "twilio",
        "TWILIO_API_BASE_URL": fake_twilio.base_url,
        "TWILIO_AUTH_TOKEN": "test-token",
        "TWILIO_FROM": "MG" + "1" * 32,
        "TWILIO_TIMEOUT_SECONDS": 0.5,
        "MAIL_BACKEND": "smtp",
        "MAIL_HOST": "127.0.0.1",
        "MAIL_PORT": smtp_sink.port,
        "NOTIFY_BACKOFF_SECONDS": 0.05,
        "NOTIFY_RELAY_GRACE_SECONDS": 0,
    }
    saved = {key: app.config.get(key) for key in settings}
    app.config.update(settings)
    app.extensions.pop("conectados.sms_sender", None)
    app.extensions.pop("conectados.email_sender", None)
    yield fake_twilio, smtp_sink
    app.config.update(saved)
    app.extensions.pop("conectados.sms_sender", None)
    app.extensions.pop("conectados.email_sender", None)


@pytest.fixture
def own_redis(app):
    """A redis-server this test starts and stops itself; the app talks to it meanwhile.
    Without the binary the test skips locally, and fails in CI (never skipped there)."""
    server = OwnRedis()
    if server.binary is None:
        if IN_CI:
            pytest.fail("CI needs redis-server on PATH for the fault tests")
        pytest.skip("redis-server is not installed: fault tests need a Redis of their own")
    from workers import queue

    server.start()
    saved = (
        app.config.get("REDIS_URL"),
        app.config.get("REDIS_RETRY_SECONDS"),
        app.extensions.pop("conectados.redis", None),
    )
    app.config["REDIS_URL"] = server.url
    # A failure pauses this process's use of Redis for a while (5 s in production); short here,
    # and never carried from one test into the next.
    app.config["REDIS_RETRY_SECONDS"] = 0.5
    queue._redis_down_until = 0.0  # noqa: SLF001
    try:
        yield server
    finally:
        queue._redis_down_until = 0.0  # noqa: SLF001
        app.extensions.pop("conectados.redis", None)
        app.config["REDIS_URL"], app.config["REDIS_RETRY_SECONDS"], client = saved
        if client is not None:
            app.extensions["conectados.redis"] = client
        server.stop()


# --- migrations: an empty database of its own ---------------------------------------------------


@pytest.fixture
def scratch_url(database_url) -> Iterator[str]:
    """An empty database of the same kind as the suite's (its own, dropped afterwards)."""
    if make_url(database_url).get_backend_name() != "sqlite":
        from bench.harness import scratch_database

        with scratch_database(database_url) as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{Path(tmp) / 'migration.db'}"


@pytest.fixture
def scratch_app(scratch_url):
    """The app on that empty database; migrate it with flask_migrate inside its context."""
    from app import create_app
    from app.extensions import db

    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "migration"}
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def agent(make_user, make_category):
    """A category and an agent of its department."""
    from app.tickets import Actor

    category = make_category()
    return category, Actor.staff(make_user("agent", department=category.department))
