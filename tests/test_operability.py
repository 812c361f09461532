"""Operability: log lines carry the request id (echoed in ``X-Request-ID``) or the job id, never
a resident's RUT, phone number or email; tickets and periodic jobs leave INFO lines with ids and
counts; with ``SENTRY_DSN`` an error in a view is reported to that server, masked."""

from __future__ import annotations

import gzip
import io
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from app.logs import formatter, handler_for, mask
from config import ConfigError, from_env
from workers.jobs import sla_sweep
from workers.queue import embedded, enqueue, worker_connection
from workers.worker import make_worker

ROOT = Path(__file__).resolve().parent.parent
RESIDENT = {
    "category": "bache",
    "description": "Hoyo en la calzada; escríbanme a vecina.perez@example.cl o al 9 6123 4567.",
    "contact": {"name": "Ana Pérez", "mobile": "+56 9 6123 4567", "email": "ana@example.cl"},
    "consent_notify": True,
}
PERSONAL = ("ana@example.cl", "vecina.perez@example.cl", "6123", "12.345.678", "Ana Pérez")


@contextmanager
def captured_logs(kind: str | None = None) -> Iterator[io.StringIO]:
    """What the app's own log handler writes (optionally in another format) while inside."""
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "conectados", False))
    stream, saved_formatter = io.StringIO(), handler.formatter
    handler.setStream(stream)
    if kind:
        handler.setFormatter(formatter(kind))
    try:
        yield stream
    finally:
        handler.setStream(None)  # back to sys.stderr, whatever it is then
        handler.setFormatter(saved_formatter)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("from ana.perez+x@example.cl", "from [email]"),
        ("RUT 12.345.678-5 attested", "RUT [rut] attested"),
        ("rut=12345678-5", "rut=[rut]"),
        ("rut 7.654.321-K", "rut [rut]"),
        ("rut 123456785", "rut [rut]"),
        ("to +56 9 6123 4567.", "to [phone]."),
        ("to +56961234567", "to [phone]"),
        ("to 56961234567", "to [phone]"),
        ("to 961234567 and 9 6123 4567", "to [phone] and [phone]"),
        ("office +56 2 2345 6789", "office [phone]"),
        (
            "ticket 42 status_changed: new -> in_progress",
            "ticket 42 status_changed: new -> in_progress",
        ),
        ("SM000000000000000000000000000961234567", "SM000000000000000000000000000961234567"),
        ("took 0.961234567 s at 2026-11-24 13:00:00", "took 0.961234567 s at 2026-11-24 13:00:00"),
    ],
)
def test_the_mask_hides_ruts_phones_and_emails_and_keeps_ids(text, expected):
    assert mask(text) == expected


def test_the_log_filter_masks_the_message_its_arguments_and_tracebacks():
    stream = io.StringIO()
    logger = logging.getLogger("tests.operability.mask")
    logger.addHandler(handler_for("text", stream))
    logger.propagate = False
    try:
        logger.warning("SMS to %s failed (%s)", "+56961234567", {"rut": "12.345.678-5"})
        try:
            raise ValueError("no contact for ana@example.cl")
        except ValueError:
            logger.exception("delivery to %s", "ana@example.cl")
    finally:
        logger.handlers.clear()
        logger.propagate = True
    text = stream.getvalue()
    assert "SMS to [phone] failed ({'rut': '[rut]'})" in text
    assert "delivery to [email]" in text and "ValueError: no contact for [email]" in text
    assert "961234567" not in text and "12.345.678" not in text and "ana@" not in text


def test_a_request_id_is_echoed_and_on_every_line_of_that_request(client, demo, api_key):
    with captured_logs() as logs:
        given = client.post(
            "/api/v1/tickets",
            json=RESIDENT,
            headers={"X-API-Key": api_key, "X-Request-ID": "proxy-7f3a.1"},
        )
        made = client.get("/api/v1/categories")
    assert given.status_code == 201, given.get_json()
    assert given.headers["X-Request-ID"] == "proxy-7f3a.1"
    assert len(made.headers["X-Request-ID"]) == 32  # ours: a fresh uuid4, hex
    opened = [line for line in logs.getvalue().splitlines() if " opened: " in line]
    assert len(opened) == 1 and "[req=proxy-7f3a.1]" in opened[0]
    assert "status new" in opened[0] and "channel api" in opened[0]
    for secret in PERSONAL:
        assert secret not in logs.getvalue()


def test_a_request_id_that_is_not_one_is_replaced(client, demo):
    answer = client.get("/api/v1/categories", headers={"X-Request-ID": "ana@example.cl x"})
    assert answer.headers["X-Request-ID"] != "ana@example.cl x"
    assert len(answer.headers["X-Request-ID"]) == 32


def test_json_lines_carry_the_request_id_and_the_ticket_change(client, demo, api_key, make_user):
    created = client.post("/api/v1/tickets", json=RESIDENT, headers={"X-API-Key": api_key})
    code = created.get_json()["code"]
    admin = make_user("admin")
    demo.commit()
    login_headers = {"X-Request-ID": "change-1"}
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = admin.get_id()
    with captured_logs("json") as logs:
        changed = client.post(
            f"/api/v1/tickets/{code}/events",
            json={"kind": "transition", "to_status": "in_progress", "version": 1},
            headers=login_headers,
        )
    assert changed.status_code in (200, 201), changed.get_json()
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    change = next(line for line in lines if "status_changed" in line["message"])
    assert change["request_id"] == "change-1" and change["job_id"] is None
    assert change["level"] == "INFO" and change["logger"] == "app.tickets.changes"
    assert change["message"].endswith("status_changed: new -> in_progress")
    assert change["event"] == "status_changed" and change["status"] == "in_progress"


def test_a_job_logs_its_counts_with_its_job_id(app, session):
    with captured_logs() as logs:
        enqueue(sla_sweep, job_id="periodic-sla-sweep-1")
        if not embedded():  # on Redis: an RQ worker runs it, in this process
            make_worker(app, worker_connection(), fork=False).work(burst=True)
    lines = [line for line in logs.getvalue().splitlines() if "sla sweep:" in line]
    assert len(lines) == 1, logs.getvalue()
    assert "[job=periodic-sla-sweep-1]" in lines[0] and "sla sweep: 0 " in lines[0]


def test_log_settings_default_by_deployment_and_refuse_nonsense():
    assert from_env({"APP_ENV": "development"})["LOG_FORMAT"] == "text"
    assert from_env({"APP_ENV": "production"})["LOG_FORMAT"] == "json"
    assert from_env({"LOG_FORMAT": "JSON", "LOG_LEVEL": "warning"})["LOG_LEVEL"] == "WARNING"
    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        from_env({"LOG_FORMAT": "xml"})
    with pytest.raises(ConfigError, match="LOG_LEVEL"):
        from_env({"LOG_LEVEL": "chatty"})


# --- error reports ------------------------------------------------------------------------------


class _Collector(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.server.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def sentry_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    server.received = []
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# Run in a process of its own: once initialised, Sentry's integrations patch Flask and logging
# for the life of the process (``init(dsn=None)`` leaves the patches), and every later test in
# this one paid for them (a third more time per request).
REPORTING_APP = """
import json, sys
import sentry_sdk
from app import create_app

reporting = create_app({
    "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[2],
    "SECRET_KEY": "sentry-test",
    "SENTRY_DSN": sys.argv[1],
    "PROPAGATE_EXCEPTIONS": False,
})

@reporting.get("/falla")
def broken_view():
    raise RuntimeError("no se pudo avisar a ana@example.cl (RUT 12.345.678-5, +56961234567)")

client = sentry_sdk.get_client()
answer = reporting.test_client().get(
    "/falla?correo=ana@example.cl&rut=12.345.678-5", headers={"X-Request-ID": "err-1"}
)
sentry_sdk.flush(timeout=5)
print(json.dumps({
    "status": answer.status_code,
    "collection": client.options["data_collection"],
    "integrations": sorted(client.integrations),
}))
"""


@pytest.mark.slow  # a process of its own (~4 s)
def test_an_error_in_a_view_reaches_sentry_without_personal_data(sentry_server, tmp_path: Path):
    dsn = f"http://publickey@127.0.0.1:{sentry_server.server_address[1]}/1"
    ran = subprocess.run(  # noqa: S603 - our own code
        [sys.executable, "-c", REPORTING_APP, dsn, str(tmp_path / "sentry.db")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    seen = json.loads(ran.stdout.strip().splitlines()[-1])
    assert seen["status"] == 500
    collection = seen["collection"]
    assert collection["user_info"] is False and collection["http_bodies"] == []
    assert collection["stack_frame_variables"] is False
    # Flask and RQ, not the ones Sentry turns on by itself (SQLAlchemy, Redis: every statement).
    assert {"flask", "rq"} <= set(seen["integrations"])
    assert not {"sqlalchemy", "redis"} & set(seen["integrations"])
    envelopes = [body for path, body in sentry_server.received if path == "/api/1/envelope/"]
    assert envelopes, "no error report arrived"
    report = b"\n".join(envelopes).decode()
    assert "RuntimeError" in report and "no se pudo avisar a [email] (RUT [rut], [phone])" in report
    assert '"request_id":"err-1"' in report.replace(" ", "")
    for secret in ("ana@example.cl", "12.345.678", "961234567", "ana%40example.cl"):
        assert secret not in report
