"""Shared pieces of the benchmarks: an isolated Postgres database, the app under gunicorn with
production settings, wrk runs parsed into numbers, and medians over repeated runs.

Every figure is printed beside its *floor* measured in the same run on the same server, so a
slower or busier machine still gives honest ratios.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def progress(label: str, done: int, total: int) -> None:
    """A progress line on stderr (stdout carries the results): for loads that take minutes."""
    share = done / total if total else 1.0
    print(f"{label}: {done:,} of {total:,} ({share:.0%})", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def scratch_database(server_url: str | None = None) -> Iterator[str]:
    """A new Postgres database next to ``server_url``, dropped afterwards."""
    server = make_url(
        (server_url or os.environ.get("DATABASE_URL") or DEFAULT_PG).replace(
            "postgresql://", "postgresql+psycopg://"
        )
    )
    # BENCH_DB_PREFIX: on a shared server, keep to the database names you were given.
    name = f"{os.environ.get('BENCH_DB_PREFIX', 'conectados_bench')}_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def app_env(database_url: str, port: int, **extra: str) -> dict[str, str]:
    redis = os.environ.get("REDIS_URL") or DEFAULT_REDIS
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": "bench-secret-key-not-for-production-use",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis.rsplit("/", 1)[0] + "/" + os.environ.get("BENCH_REDIS_DB", "15"),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "TWILIO_AUTH_TOKEN": "bench-token",
        "SMS_BACKEND": "console",
        # The load comes from one address: lift the per-address limits for the measurement.
        "WEB_INTAKE_RATE_LIMIT": "100000000 per minute",
        "TRACKING_RATE_LIMIT": "100000000 per minute",
        "OPEN311_RATE_LIMIT": "100000000 per minute",
        **extra,
    }
    env.pop("CI", None)
    return env


def flask(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(  # noqa: S603 - our own CLI
        [str(BIN / "flask"), "--app", "app", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@contextlib.contextmanager
def serving(command: list[str], env: dict[str, str], port: int, log: Path | None = None):
    """Start ``command``, a server of the app on ``port``; yield its base URL once ``/ping``
    answers; stop it afterwards. Its output goes to ``log`` (a temporary file by default)."""
    if log is None:
        log = Path(tempfile.mkstemp(prefix="bench-server-", suffix=".log")[1])
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - our own server
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(base + "/ping", timeout=1).read()  # noqa: S310 - loopback
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"{command[0]} did not start: " + log.read_text()[-2000:])
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:  # a worker still busy with a slow request
            process.kill()
            process.wait(10)


def gunicorn(env: dict[str, str], port: int, workers: int = 2):
    """The app as production runs it (see Procfile), on loopback."""
    command = [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    return serving([*command, "--log-level", "warning", "app:create_app()"], env, port)


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(
    url: str, *, seconds: float, connections: int, threads: int = 1, script: str | None = None
) -> WrkResult:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing: apt-get install wrk")
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "5s",
    ]
    if script:
        command += ["-s", script]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return WrkResult(rps, p50, p99, errors + (int(non_2xx.group(1)) if non_2xx else 0))


def median_of(runs: list[WrkResult]) -> WrkResult:
    return WrkResult(
        statistics.median(r.requests_per_second for r in runs),
        statistics.median(r.p50_ms for r in runs),
        statistics.median(r.p99_ms for r in runs),
        sum(r.errors for r in runs),
    )


def table(title: str, header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [f"\n{title}", line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(row) for row in rows]
    return "\n".join(out)
