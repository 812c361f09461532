"""Hardening seen from outside: security headers on every answer, staff pages never cached, the
proxy rule (client address only), and the settings the app refuses to start without."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from app.models import StaffUser, Ticket
from config import DEV_SECRET_KEY, ConfigError

ROOT = Path(__file__).resolve().parent.parent
LONG_SECRET = "a-production-secret-key-of-forty-eight-characters"
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=", re.I)


def directives(policy: str) -> dict[str, str]:
    return dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip()
    )


def assert_hardened(response, url):
    headers = response.headers
    policy = directives(headers.get("Content-Security-Policy", ""))
    assert policy.get("default-src") == "'self'", url
    assert policy.get("frame-ancestors") == "'none'", url
    assert "unsafe-inline" not in headers["Content-Security-Policy"], url
    assert "unsafe-eval" not in headers["Content-Security-Policy"], url
    assert headers.get("X-Content-Type-Options") == "nosniff", url
    assert headers.get("Referrer-Policy") == "same-origin", url


@pytest.fixture
def a_ticket(client, demo):
    from tests.test_web import file_request  # the web form as residents fill it

    assert file_request(client, demo, name="Ana Torres", email="ana@example.cl").status_code == 303
    return demo.scalar(select(Ticket))


@pytest.fixture
def api_key(demo):
    from app.models import ApiKey

    key = "cnd_test-key-0123456789"
    demo.add(ApiKey(name="tests", prefix=key[:10], key_hash=ApiKey.hash_key(key)))
    demo.commit()
    return key


def public_urls(ticket) -> list[str]:
    from app.tickets.codes import display

    code = display(ticket.code)
    return [
        "/",
        "/solicitudes/nueva",
        "/seguimiento",
        f"/seguimiento/{code}",
        f"/seguimiento/{code}/comprobante",
        "/seguimiento/0000-0000-0",
        "/transparencia",
        "/api/v1/docs",
        "/api/v1/openapi.json",
        "/open311/v2/services.xml",
        "/static/site.css",
        "/healthz",
        "/staff/login",
    ]


def staff_urls(ticket) -> list[str]:
    from app.tickets.codes import display

    return [
        "/staff/tickets",
        "/staff/counter",
        f"/staff/tickets/{display(ticket.code)}",
        "/staff/admin",
        "/staff/dashboard",
        "/staff/password",
    ]


def staff(session, email) -> StaffUser:
    return session.scalar(select(StaffUser).where(StaffUser.email == email))


# --- headers -----------------------------------------------------------------------------------


def test_every_answer_carries_the_security_headers(client, demo, a_ticket, login):
    for url in public_urls(a_ticket):
        response = client.get(url)
        assert response.status_code < 500, url
        assert_hardened(response, url)
        assert "Strict-Transport-Security" not in response.headers  # http in development
    refused = client.post("/channels/sms/inbound", data={"Body": "x"})
    assert refused.status_code == 403
    assert_hardened(refused, "refused webhook")

    login(staff(demo, "admin@demo.penalolen.cl"))
    for url in staff_urls(a_ticket):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_hardened(response, url)


def test_no_page_needs_inline_script_or_style(client, demo, a_ticket, login):
    """The policy forbids inline code: a page that used it would break silently in browsers
    (the browser tests also watch for CSP errors on the key pages)."""
    pages = {url: client.get(url) for url in public_urls(a_ticket)}
    login(staff(demo, "admin@demo.penalolen.cl"))
    pages.update({url: client.get(url) for url in staff_urls(a_ticket)})
    for url, response in pages.items():
        if response.mimetype == "text/html":
            found = INLINE.findall(response.get_data(as_text=True))
            assert found == [], f"{url}: {found[:3]}"


def test_staff_pages_and_keyed_answers_are_never_stored(client, demo, a_ticket, login, api_key):
    assert client.get("/staff/login").headers["Cache-Control"] == "no-store"
    login(staff(demo, "agente@demo.penalolen.cl"))
    for url in staff_urls(a_ticket)[:3]:
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store", url
    client.post("/staff/logout")
    keyed = client.get("/api/v1/tickets", headers={"X-API-Key": api_key})
    assert keyed.status_code == 200 and keyed.headers["Cache-Control"] == "no-store"
    public = client.get("/transparencia")
    assert "no-store" not in public.headers.get("Cache-Control", "")


# --- settings ----------------------------------------------------------------------------------


@pytest.fixture
def environment(monkeypatch):
    """The process environment, without the settings these tests give one by one."""
    for name in ("APP_ENV", "SECRET_KEY", "TWILIO_AUTH_TOKEN", "SMS_BACKEND", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def make_app(database_url, **overrides):
    from app import create_app

    settings = {"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "REDIS_URL": None}
    return create_app({**settings, **overrides})


def production(environment, **extra):
    environment.setenv("APP_ENV", "production")
    environment.setenv("SECRET_KEY", LONG_SECRET)
    environment.setenv("TWILIO_AUTH_TOKEN", "production-token")
    for name, value in extra.items():
        environment.setenv(name, value)


def test_the_app_refuses_to_start_without_a_real_secret_key(environment, database_url):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        make_app(database_url)  # neither a key nor development asked for
    environment.setenv("SECRET_KEY", DEV_SECRET_KEY)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        make_app(database_url)  # the development key is not a real one

    environment.delenv("SECRET_KEY")
    environment.setenv("APP_ENV", "development")  # what bin/run asks for
    assert make_app(database_url).config["SECRET_KEY"] == DEV_SECRET_KEY

    production(environment, SECRET_KEY="short-secret")
    with pytest.raises(ConfigError, match="32"):
        make_app(database_url)
    environment.setenv("SECRET_KEY", LONG_SECRET)
    assert make_app(database_url).config["SECRET_KEY"] == LONG_SECRET


def test_production_answers_carry_hsts(environment, database_url):
    production(environment)
    response = make_app(database_url).test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert_hardened(response, "/healthz")


def test_seed_demo_refuses_in_production(environment, database_url, session):
    production(environment)
    app = make_app(database_url)
    with app.app_context():  # the command runs in this app, not in the suite's
        result = app.test_cli_runner().invoke(args=["seed-demo", "--tickets", "0"])
    assert result.exit_code != 0
    assert "producción" in result.output
    assert session.scalar(select(func.count(StaffUser.id))) == 0


def test_rate_limits_kept_in_memory_with_several_processes_are_reported(
    environment, database_url, caplog
):
    environment.setenv("SECRET_KEY", "test-secret")
    with caplog.at_level("WARNING"):
        make_app(database_url)
    assert "Rate limits are kept in memory" not in caplog.text  # one process: fine

    environment.setenv("WEB_CONCURRENCY", "3")
    with caplog.at_level("WARNING"):
        make_app(database_url)
    assert "per web process (WEB_CONCURRENCY=3)" in caplog.text

    caplog.clear()
    production(environment, WEB_CONCURRENCY="1")
    with caplog.at_level("WARNING"):
        make_app(database_url)
    assert "production needs a shared store" in caplog.text


# --- behind a proxy ------------------------------------------------------------------------------


@pytest.fixture
def proxied(app, database_url):
    """The app behind one trusted proxy, published at https://conectados.example."""
    return make_app(
        database_url,
        REDIS_URL=app.config["REDIS_URL"],
        JOBS_SYNC=True,
        SECRET_KEY="test-secret",
        PUBLIC_BASE_URL="https://conectados.example",
        TWILIO_AUTH_TOKEN="test-auth-token",
        TRUSTED_PROXY_HOPS=1,
        TRACKING_RATE_LIMIT="2 per minute",
    ).test_client()


def sms(client, signed_for: str, headers: dict[str, str]):
    params = {
        "From": "+56987654321",
        "To": "+56229999999",
        "Body": "Hay un poste de luz apagado en Av. Grecia 8735",
        "MessageSid": "SM" + "7" * 32,
    }
    signature = RequestValidator("test-auth-token").compute_signature(signed_for, params)
    return client.post(
        "/channels/sms/inbound", data=params, headers={"X-Twilio-Signature": signature, **headers}
    )


def test_behind_a_proxy_a_spoofed_host_cannot_pass_the_twilio_check(proxied, demo):
    spoofed = sms(
        proxied,
        "https://evil.example/channels/sms/inbound",
        {
            "X-Forwarded-For": "203.0.113.9",
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Proto": "https",
        },
    )
    assert spoofed.status_code == 403
    assert demo.scalar(select(func.count(Ticket.id))) == 0

    genuine = sms(
        proxied,
        "https://conectados.example/channels/sms/inbound",
        {"X-Forwarded-For": "54.172.60.1", "X-Forwarded-Proto": "https"},
    )
    assert genuine.status_code == 200
    assert demo.scalar(select(func.count(Ticket.id))) == 1


def test_behind_a_proxy_limits_count_per_client_address(proxied, demo):
    def track(address):
        return proxied.get("/seguimiento", headers={"X-Forwarded-For": address}).status_code

    assert [track("203.0.113.5") for _ in range(3)] == [200, 200, 429]
    assert track("203.0.113.6") == 200  # another resident behind the same proxy


# --- the Procfile --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if ": " in line)


@pytest.mark.slow
def test_the_procfile_runs_production_settings(tmp_path):
    port = free_port()
    bin_dir = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(tmp_path),
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}",
        "PUBLIC_BASE_URL": "https://conectados.example",
        "SMS_BACKEND": "console",
    }
    run = {"cwd": ROOT, "capture_output": True, "text": True, "timeout": 120, "check": False}
    refused = subprocess.run(["bash", "-c", procfile()["web"]], env=env, **run)  # noqa: S603, S607
    assert refused.returncode != 0
    assert "SECRET_KEY" in refused.stderr

    env["SECRET_KEY"] = LONG_SECRET
    released = subprocess.run(["bash", "-c", procfile()["release"]], env=env, **run)  # noqa: S603, S607
    assert released.returncode == 0, released.stderr
    log = tmp_path / "web.log"
    with log.open("w") as out:
        web = subprocess.Popen(  # noqa: S603
            ["bash", "-c", procfile()["web"]],  # noqa: S607
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: gunicorn and its workers end together
        )
    try:
        response = None
        for _ in range(120):
            try:
                response = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.25)
        assert response is not None, log.read_text()
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=30)
    assert "production needs a shared store" in log.read_text()
