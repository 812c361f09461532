"""The embedded default under a small office's load: ``flask run`` (threaded) on SQLite, jobs
and periodic jobs in process, no Redis — exactly what ``bin/run`` starts.

Concurrent clients, half filing through the web form (CSRF token and all), half sending signed
Twilio SMS webhooks (each with its own MessageSid and number), for a fixed time. Reported: the
requests accepted per second (303 for the form, 200 TwiML for SMS), latency, every 5xx and
transport error, and whether the database holds exactly one ticket per accepted request.

    .venv/bin/python bench/embedded.py                 # 6 clients x 30 s, 3 runs
    .venv/bin/python bench/embedded.py --clients 12     # more load
    .venv/bin/python bench/embedded.py --smoke          # CI: 1 run x 2 s

The floor is ``POST /ping`` driven by the same clients against the same server.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests
from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import BIN, ROOT, free_port, serving, table  # noqa: E402

TWILIO_TOKEN = "embedded-bench-token"  # noqa: S105 - a local test server's webhook token
FLOOR_SECONDS = 5
DESCRIPTION = "Luminaria apagada en el pasaje {n}, frente al número {n}"


def embedded_env(database: Path, port: int, **extra: str) -> dict[str, str]:
    """What ``bin/run`` has, with the per-address limits lifted (the load comes from one
    address) and a webhook token of our own."""
    import os

    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "APP_ENV", "CI"}
    }
    env.update(
        {
            "FLASK_APP": "app",
            "APP_ENV": "development",  # as bin/run: no real SECRET_KEY needed
            "DATABASE_URL": f"sqlite:///{database}",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "WEB_INTAKE_RATE_LIMIT": "100000000 per minute",
            "TRACKING_RATE_LIMIT": "100000000 per minute",
            **extra,
        }
    )
    return env


@contextlib.contextmanager
def embedded_server(folder: Path, **extra: str) -> Iterator[tuple[str, Path]]:
    """Migrate and seed a new SQLite database, then serve it with ``flask run`` as bin/run
    does. Yields the base URL and the database path; stops the server afterwards."""
    database = folder / "conectados.db"
    port = free_port()
    env = embedded_env(database, port, **extra)
    for args in (["db", "upgrade"], ["seed-demo", "--tickets", "0"]):
        subprocess.run(  # noqa: S603 - our own CLI
            [str(BIN / "flask"), *args], cwd=ROOT, env=env, check=True, capture_output=True
        )
    command = [str(BIN / "flask"), "run", "--host", "127.0.0.1", "--port", str(port)]
    with serving(command, env, port, log=folder / "server.log") as base:
        yield base, database


@dataclass
class Tally:
    """What the clients saw."""

    accepted: dict[str, int] = field(default_factory=lambda: {"web": 0, "sms": 0})
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, status: int | None, seconds: float, error: str = "") -> None:
        with self.lock:
            if status is None:
                self.errors.append(error)
                return
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.latencies.append(seconds)
            if status < 400:
                self.accepted[kind] += 1

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    @property
    def clean(self) -> bool:
        """No 5xx and no transport error (refused connection, timeout)."""
        return self.server_errors == 0 and not self.errors

    @property
    def total_accepted(self) -> int:
        return sum(self.accepted.values())

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


class WebClient:
    """A resident filing through the form: one GET for the CSRF token, then POSTs."""

    kind = "web"

    def __init__(self, base: str, number: int) -> None:
        self.base, self.number, self.http = base, number, requests.Session()
        page = self.http.get(base + "/solicitudes/nueva", timeout=30).text
        self.token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        self.category = re.search(r'<option value="(\d+)"', page).group(1)

    def send(self, n: int) -> requests.Response:
        data = {
            "csrf_token": self.token,
            "category": self.category,
            "description": DESCRIPTION.format(n=f"{self.number}-{n}"),
            "address": f"Pasaje {n}",
        }
        return self.http.post(
            self.base + "/solicitudes/nueva", data=data, allow_redirects=False, timeout=60
        )


class SmsClient:
    """Twilio delivering texts, each from its own number and with its own MessageSid."""

    kind = "sms"

    def __init__(self, base: str, number: int) -> None:
        self.base, self.number, self.http = base, number, requests.Session()
        self.url = base + "/channels/sms/inbound"
        self.validator = RequestValidator(TWILIO_TOKEN)

    def send(self, n: int) -> requests.Response:
        params = {
            "MessageSid": f"SM{self.number:04d}{n:028d}",
            "From": f"+5699{self.number:02d}{n % 100_000:05d}",
            "To": "+56229999999",
            "Body": DESCRIPTION.format(n=f"{self.number}-{n}"),
        }
        signature = self.validator.compute_signature(self.url, params)
        return self.http.post(
            self.url,
            data=urllib.parse.urlencode(params),
            headers={
                "X-Twilio-Signature": signature,
                "Content-Type": "application/x-www-form-urlencoded",
            },
            timeout=60,
        )


class PingClient:
    kind = "web"

    def __init__(self, base: str, number: int) -> None:  # noqa: ARG002 - same shape as others
        self.url, self.http = base + "/ping", requests.Session()

    def send(self, n: int) -> requests.Response:  # noqa: ARG002
        return self.http.post(self.url, data={"x": "1"}, timeout=60)


def drive(clients: list, seconds: float) -> Tally:
    """Each client sends one request after another until the time is up."""
    tally = Tally()
    deadline = time.monotonic() + seconds

    def loop(client) -> None:
        n = 0
        while time.monotonic() < deadline:
            n += 1
            started = time.monotonic()
            try:
                status = client.send(n).status_code
            except requests.RequestException as exc:
                tally.record(client.kind, None, 0, f"{type(exc).__name__}: {exc}")
                continue
            tally.record(client.kind, status, time.monotonic() - started)

    threads = [threading.Thread(target=loop, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def intake_clients(base: str, count: int) -> list:
    """Half web residents, half SMS (the odd one out is an SMS)."""
    return [WebClient(base, i) if i % 2 else SmsClient(base, i) for i in range(count)]


def stored_tickets(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as conn:
        return conn.execute("SELECT count(*) FROM tickets").fetchone()[0]


@dataclass
class Run:
    intake: Tally
    stored: int
    seconds: float
    floor: Tally | None = None

    @property
    def floor_seconds(self) -> float:
        return min(self.seconds, FLOOR_SECONDS)


def measure(folder: Path, clients: int, seconds: float, *, floor: bool = True, **env: str) -> Run:
    """One run on a fresh database: intake load, the count of stored tickets, then the floor."""
    with embedded_server(folder, **env) as (base, database):
        run = Run(drive(intake_clients(base, clients), seconds), 0, seconds)
        run.stored = stored_tickets(database)
        if floor:
            run.floor = drive([PingClient(base, i) for i in range(clients)], run.floor_seconds)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny and fast: for CI")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=6)
    args = parser.parse_args()
    if args.smoke:
        args.runs, args.seconds = 1, 2
    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            runs.append(measure(Path(tmp), args.clients, args.seconds))
    rows = []
    for number, run in enumerate(runs, 1):
        tally = run.intake
        rows.append(
            [
                str(number),
                f"{tally.accepted['web'] / run.seconds:.1f}",
                f"{tally.accepted['sms'] / run.seconds:.1f}",
                f"{tally.total_accepted / run.seconds:.1f}",
                f"{len(run.floor.latencies) / run.floor_seconds:.0f}",
                f"{tally.percentile(0.5):.0f}",
                f"{tally.percentile(0.99):.0f}",
                str(tally.server_errors + len(tally.errors)),
                f"{run.stored}/{tally.total_accepted}",
            ]
        )
    print(
        table(
            f"Embedded mode (flask run, SQLite, jobs in process): {args.clients} clients "
            f"(web form + signed SMS) x {args.seconds:.0f} s",
            [
                "run",
                "web/s",
                "sms/s",
                "tickets/s",
                "floor req/s",
                "p50 ms",
                "p99 ms",
                "5xx+errors",
                "stored/accepted",
            ],
            rows,
        )
    )
    median = statistics.median(run.intake.total_accepted / run.seconds for run in runs)
    print(f"\nmedian: {median:.1f} tickets/s")
    failed = [
        run for run in runs if not run.intake.clean or run.stored != run.intake.total_accepted
    ]
    if failed:
        for run in failed:
            print("statuses:", run.intake.statuses, "errors:", run.intake.errors[:3])
        sys.exit("5xx, transport errors or lost tickets during the runs (see the table)")


if __name__ == "__main__":
    main()
