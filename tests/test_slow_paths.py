"""No fault slows a resident, and the workers outlive Redis outages.

- A frozen Redis (SIGSTOP: connections are accepted, nothing is answered) must not slow the web
  form or the SMS webhook: the app runs as in production (gunicorn, in a process of its own),
  its rate limiter and its enqueues on a Redis this test freezes. Every answer under 1 s, every
  request stored; the relay enqueues the notifications once Redis answers again.
- A slow SMTP server must not delay SMS: the Procfile's workers (SMS and email apart) run on a
  Redis of the test's own; an SMS is delivered while an email waits for the server's answer.
- RQ's scheduler (delayed retries) comes back after Redis restarts.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from app.models import Category, Notification, Ticket, utcnow
from app.tickets import transition
from tests.fakes.smtp import free_port
from tests.support import worker_env

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "test-auth-token"
FAST = 1.0  # seconds: what a resident may wait at most while Redis is frozen


def _wait_until(predicate, seconds: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {seconds} s")


@contextmanager
def process(command: list[str], env: dict[str, str]):
    """A child process of its own session, ended at the end (its output goes to the file
    ``TEST_PROCESS_LOG`` names, if any: handy when one of these tests fails)."""
    with open(os.environ.get("TEST_PROCESS_LOG") or os.devnull, "a") as log:
        child = subprocess.Popen(  # noqa: S603 - our own command lines
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            start_new_session=True,
            stdout=log,
            stderr=log,
        )
        try:
            yield child
        finally:
            os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait(timeout=5)


# --- a frozen Redis and the resident's doors -----------------------------------------------------


@pytest.fixture
def web_server(database_url, own_redis):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": own_redis.url,
        "SECRET_KEY": "test-secret",
        "PUBLIC_BASE_URL": base,
        "TWILIO_AUTH_TOKEN": TOKEN,
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4"]
    command += ["--bind", f"127.0.0.1:{port}", "app:create_app()"]
    with process(command, env):
        _wait_until(lambda: _answers(f"{base}/healthz"), 30, "the web server started")
        yield base


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def file_on_the_web(base: str, category_id: int, n: int) -> tuple[int, float]:
    browser = requests.Session()
    form = browser.get(f"{base}/solicitudes/nueva", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    data = {
        "csrf_token": token,
        "category": str(category_id),
        "description": f"Luminaria apagada frente al número {n} de la calle.",
        "email": f"vecino{n}@example.cl",
        "consent": "y",
    }
    started = time.monotonic()
    answer = browser.post(f"{base}/solicitudes/nueva", data=data, timeout=30, allow_redirects=False)
    return answer.status_code, time.monotonic() - started


def text_the_municipality(base: str, n: int) -> tuple[int, float]:
    url = f"{base}/channels/sms/inbound"
    params = {
        "MessageSid": f"SM{n:032d}",
        "From": f"+5699{n:07d}",
        "To": "+56222222222",
        "Body": f"Hay un hoyo enorme en la calle Los Presidentes {n}",
    }
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    started = time.monotonic()
    answer = requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)
    return answer.status_code, time.monotonic() - started


def test_a_frozen_redis_slows_neither_the_web_form_nor_the_sms_webhook(
    app, demo, own_redis, web_server
):
    session = demo  # the demo desk: categories, and the triage category SMS land in
    category = session.scalars(select(Category).where(Category.active.is_(True))).first()
    assert file_on_the_web(web_server, category.id, 0)[0] == 303  # Redis alive: the warm path

    own_redis.freeze()
    try:
        web = [file_on_the_web(web_server, category.id, n) for n in range(1, 5)]
        sms = [text_the_municipality(web_server, n) for n in range(1, 4)]
    finally:
        own_redis.thaw()
    print("frozen Redis, seconds:", [round(seconds, 2) for _, seconds in web + sms])
    assert [status for status, _ in web] == [303] * 4
    assert [status for status, _ in sms] == [200] * 3
    assert max(seconds for _, seconds in web + sms) < FAST
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Ticket)) == 1 + 4 + 3
    receipts = select(func.count()).where(Notification.template == "received")
    assert session.scalar(receipts) == 5  # in the outbox: the relay enqueues them later


# --- a slow SMTP server and the SMS ---------------------------------------------------------------


def procfile(name: str, env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """The Procfile's command for ``name``, as a command line and its environment (the test's
    ``env`` plus the line's own ``VAR=value`` prefixes, such as ``APP_ENV=production``)."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        kind, _, command = line.partition(":")
        if kind.strip() == name:
            words = shlex.split(command)
            env = dict(env)
            while re.fullmatch(r"[A-Z_]+=.*", words[0]):
                key, _, value = words.pop(0).partition("=")
                env[key] = value
            if env.get("APP_ENV") == "production":  # as production demands
                env["SECRET_KEY"] = "a-test-secret-long-enough-for-production"
            assert words[0] == "flask"
            return [sys.executable, "-m", *words], env
    raise AssertionError(f"no {name} in the Procfile")


def test_a_slow_smtp_server_does_not_delay_sms(
    app, database_url, session, make_ticket, agent, providers, own_redis
):
    twilio, smtp = providers
    smtp.delay_seconds = 10  # the server keeps every email waiting 10 s before its answer
    category, staff = agent
    for n in range(2):  # two emails queued first
        make_ticket(category, email=f"vecina{n}@example.cl", consent_notify=True)
    session.commit()
    ticket = make_ticket(category, channel="sms", mobile="+56990001001", source_ref="SM-x")
    transition(session, ticket, "rejected", staff, body="No es de competencia municipal.")
    session.commit()  # then one SMS

    def emails_sent() -> int:
        session.expire_all()
        query = select(func.count()).where(Notification.channel == "email")
        return session.scalar(query.where(Notification.status == "sent"))

    env = {**worker_env(database_url, own_redis.url, twilio, smtp), "MAIL_TIMEOUT_SECONDS": "30"}
    with process(*procfile("worker", env)), process(*procfile("mailer", env)):
        _wait_until(lambda: smtp.messages, 30, "an email handed to the slow server")
        waited = _wait_until(lambda: twilio.bodies_to("+56990001001"), 20, "the SMS")
        assert emails_sent() == 0  # both emails still wait for the server
        print(f"SMS delivered {waited:.2f} s after the first email reached the slow server")
        _wait_until(lambda: emails_sent() == 2, 40, "the emails, in the end")


# --- RQ's scheduler after a Redis restart ---------------------------------------------------------


def test_the_scheduler_comes_back_after_redis_restarts(
    app, database_url, session, providers, own_redis
):
    twilio, smtp = providers
    env = worker_env(database_url, own_redis.url, twilio, smtp)
    with process(*procfile("worker", env)) as worker:
        locks = lambda: own_redis.client().exists("rq:scheduler-lock:sms")  # noqa: E731
        _wait_until(locks, 30, "the scheduler started")
        time.sleep(2)  # the worker's start-up chores are done: it waits on the queues
        own_redis.stop()
        time.sleep(3)  # the scheduler's heartbeat fails: RQ's scheduler process dies
        own_redis.start()  # a new, empty Redis on the same port
        _wait_until(locks, 30, "the scheduler back")

        session.add(
            Notification(
                channel="sms",
                recipient="+56990002002",
                template="public_reply",
                body="Municipalidad: hay una respuesta a su solicitud.",
                next_attempt_at=utcnow() + timedelta(seconds=1),  # a retry, due in a second
            )
        )
        session.commit()  # enqueued for later: only RQ's scheduler puts it in the queue
        _wait_until(lambda: twilio.bodies_to("+56990002002"), 15, "the delayed delivery")
        assert worker.poll() is None  # the worker kept running throughout
