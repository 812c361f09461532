"""Conectados beside django-helpdesk 2.6.1: the same shapes on the same Postgres, each figure
beside its own server's constant endpoint (the floor), in one table.

Both run under gunicorn (2 sync workers) on loopback, each on its own scratch database loaded
with the same number of tickets (bulk inserts inside Postgres, then ANALYZE); wrk drives every
shape with the same connections and duration, interleaved run by run. django-helpdesk is
installed in its own venv (bench/peer/.venv, gitignored) from PyPI on the first run.

    .venv/bin/python bench/peer/run.py                  # 100,000 tickets, 3 runs x 5 s
    .venv/bin/python bench/peer/run.py --tickets 20000 --seconds 10
    .venv/bin/python bench/peer/run.py --smoke          # 2,000 tickets, 1 run x 2 s
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from bench.harness import (  # noqa: E402
    app_env,
    flask,
    free_port,
    gunicorn,
    median_of,
    scratch_database,
    serving,
    table,
    wrk,
)

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv"
PEER_PACKAGES = [
    "django-helpdesk==2.6.1",
    "Django>=5.2,<5.3",  # what django-helpdesk 2.6.1 resolves to (it supports 4.2 to 5.2)
    "gunicorn",
    "psycopg[binary]",
]
ADMIN = "admin@demo.penalolen.cl"
INTAKE = {
    "category": "luminaria",
    "description": "Poste apagado frente al numero 1234 desde hace una semana",
    "address": "Av. Grecia 1234, Peñalolén",
}
PEER_TICKET = {
    "title": "Poste apagado",
    "description": "Poste apagado frente al numero 1234 desde hace una semana",
    "submitter_email": "vecina@example.cl",
    "priority": 3,
}
# The shapes, in the table's order: (label, Conectados' request, helpdesk's request). A request
# is (method, path, kind): kind "api" carries the API key / token, "staff" the session cookie,
# "post" a dummy form body (the POST floor), None nothing.
SHAPES = [
    ("create a ticket (API POST)",
     ("POST", "/api/v1/tickets", "api"), ("POST", "/api/tickets/", "api")),
    ("staff ticket list: page",
     ("GET", "/staff/tickets", "staff"), ("GET", "/tickets/", "staff")),
    ("staff ticket list: its rows (helpdesk: datatables JSON)",
     None, ("GET", "{datatables}", "staff")),
    ("one ticket, staff page",
     ("GET", "/staff/tickets/{ticket}", "staff"), ("GET", "/tickets/{ticket}/", "staff")),
    ("dashboard",
     ("GET", "/staff/dashboard", "staff"), ("GET", "/dashboard/", "staff")),
    ("API list, first page",
     ("GET", "/api/v1/tickets", "api"), ("GET", "/api/tickets/", "api")),
]  # fmt: skip
WARM_UP = 2  # requests per shape before wrk: both workers have rendered it
FAILED: dict[tuple[str, str], str] = {}  # (side tag, shape) -> how it answered instead of 2xx
SINGLE: dict[tuple[str, str], float] = {}  # (side tag, shape) -> ms of the last warm-up request
FLOORS = {"GET": ("GET", "/ping", None), "POST": ("POST", "/ping", "post")}


def ensure_peer_venv() -> Path:
    """bench/peer/.venv with django-helpdesk 2.6.1 and its dependencies, made once."""
    python = VENV / "bin" / "python"
    if not (VENV / "bin" / "gunicorn").exists():
        print("installing django-helpdesk 2.6.1 into bench/peer/.venv", file=sys.stderr)
        interpreter = os.environ.get("PEER_PYTHON", sys.executable)
        subprocess.run([interpreter, "-m", "venv", "--clear", str(VENV)], check=True)  # noqa: S603
        pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        subprocess.run([*pip, *PEER_PACKAGES], check=True)  # noqa: S603
    return python


# --- Conectados -------------------------------------------------------------------------------


def load_conectados(database_url: str, tickets: int) -> None:
    """The loader every Conectados bench uses (migrate, demo desk, synthetic tickets, VACUUM
    ANALYZE), in process, then the dashboard rollups the periodic job keeps on a live desk."""
    from app import create_app
    from app.extensions import db
    from bench.dashboard import roll_up
    from bench.dashboard_data import load_desk

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "bench-only",
            "REDIS_URL": None,
            "RATELIMIT_ENABLED": False,
            "EMBEDDED_SCHEDULER": False,
        }
    )
    with app.app_context():
        load_desk(tickets)
        roll_up(db.session)
        db.engine.dispose()


def cookie(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == "set-cookie" and value.startswith(name + "="):
            return value.split(";", 1)[0].split("=", 1)[1]
    return None


def request(base: str, method: str, path: str, body=None, headers=None):
    host = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=300)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read().decode()
    finally:
        connection.close()


def staff_login(base: str) -> str:
    """The admin's session cookie, through the real login form (CSRF token and all)."""
    from app.demo import DEMO_PASSWORD

    _, headers, page = request(base, "GET", "/staff/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', page
    )
    form = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "email": ADMIN, "password": DEMO_PASSWORD, "next": ""}
    )
    status, headers, _ = request(
        base,
        "POST",
        "/staff/login",
        form,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"session={cookie(headers, 'session')}",
        },
    )
    session = cookie(headers, "session")
    if status != 303 or not session:
        raise RuntimeError(f"the staff login answered {status}")
    return f"session={session}"


def file_ticket(base: str, key: str) -> str:
    status, _, body = request(
        base,
        "POST",
        "/api/v1/tickets",
        json.dumps(INTAKE),
        {"Content-Type": "application/json", "X-API-Key": key},
    )
    if status != 201:
        raise RuntimeError(f"Conectados' API answered {status}: {body[:300]}")
    return json.loads(body)["code"]


@contextlib.contextmanager
def conectados(tickets: int):
    with scratch_database() as database_url:
        load_conectados(database_url, tickets)
        port = free_port()
        env = app_env(database_url, port)
        key = flask(env, "create-api-key", f"peer-{port}", "--staff-integration")
        key = key.strip().splitlines()[0]
        with gunicorn(env, port) as base:
            yield {
                "base": base,
                "api": {"X-API-Key": key, "Content-Type": "application/json"},
                "body": json.dumps(INTAKE),
                "staff": {"Cookie": staff_login(base)},
                "ticket": file_ticket(base, key),
            }


# --- django-helpdesk --------------------------------------------------------------------------


@contextlib.contextmanager
def helpdesk(tickets: int):
    python = ensure_peer_venv()
    with scratch_database() as database_url:
        env = {
            **os.environ,
            "PEER_DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "helpdesk_site.settings",
            "PYTHONPATH": str(HERE),
        }
        run = {"cwd": HERE, "env": env, "check": True}
        subprocess.run([str(python), "-m", "django", "migrate", "-v0"], **run)  # noqa: S603
        setup = subprocess.run(  # noqa: S603
            [str(python), "helpdesk_site/setup_bench.py", "--tickets", str(tickets)],
            capture_output=True,
            text=True,
            **run,
        )
        facts = json.loads(setup.stdout)
        print(
            f"helpdesk: {tickets:,} tickets generated in {facts['seconds']} s; "
            f"VACUUM ANALYZE done; autovacuum on this server: {facts['autovacuum']}"
        )
        port = free_port()
        command = [str(VENV / "bin" / "gunicorn"), "--workers", "2"]
        command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
        with serving([*command, "helpdesk_site.wsgi:application"], env, port) as base:
            staff = {"Cookie": f"sessionid={facts['session']}"}
            _, _, page = request(base, "GET", "/tickets/", headers=staff)
            rows = re.search(r"/datatables_ticket_list/[A-Za-z0-9_=-]+", page)
            yield {
                "base": base,
                "api": {
                    "Authorization": f"Token {facts['token']}",
                    "Content-Type": "application/json",
                },
                "body": json.dumps({**PEER_TICKET, "queue": facts["queue"]}),
                "staff": staff,
                "ticket": facts["ticket"],
                # what the list page's JavaScript asks for first: 25 rows, default order
                "datatables": rows.group(0) + "?draw=1&start=0&length=25",
            }


# --- the runs ---------------------------------------------------------------------------------


def lua(folder: Path, name: str, method: str, headers: dict[str, str], body: str | None) -> str:
    lines = [f"wrk.method = {json.dumps(method)}"]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(body)}")
    path = folder / f"{name}.lua"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def scenarios(server: dict, side: int, folder: Path, tag: str) -> dict[str, tuple[str, str]]:
    """label -> (url, wrk script) for one server, the floors first. Each shape is asked a few
    times first: it must answer 2xx (wrk only counts), and each worker warms its caches."""
    out = {}
    wanted = [("floor GET", FLOORS["GET"]), ("floor POST", FLOORS["POST"])]
    wanted += [(shape[0], shape[side]) for shape in SHAPES]
    for n, (label, spec) in enumerate(wanted):
        if spec is None:
            continue
        method, path, kind = spec
        headers, body = {}, None
        if kind == "api":
            headers, body = server["api"], (server["body"] if method == "POST" else None)
        elif kind == "staff":
            headers = server["staff"]
        elif kind == "post":
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            body = "x=1"
        path = path.format(**{k: v for k, v in server.items() if isinstance(v, str | int)})
        for _ in range(WARM_UP):
            started = time.perf_counter()
            status, _, answer = request(server["base"], method, path, body, headers)
            SINGLE[(tag, label)] = (time.perf_counter() - started) * 1000
            if not 200 <= status < 300:
                break
        if not 200 <= status < 300:  # not measured: the table says how it answered
            FAILED[(tag, label)] = f"{status} after {SINGLE[(tag, label)]:,.0f} ms"
            print(f"{server['base']}{path} answered {status}: {answer[:300]}", file=sys.stderr)
            continue
        out[label] = (server["base"] + path, lua(folder, f"{tag}{n}", method, headers, body))
    return out


def drain(base_parts: list[str], limit: float = 180) -> None:
    """Wait until the server answers its floor in under a second: a slow shape leaves requests
    queued in the sync workers after wrk stops, and they must not eat the next shape's time."""
    base = "/".join(base_parts)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        started = time.perf_counter()
        with contextlib.suppress(OSError):
            request(base, "GET", "/ping")
            if time.perf_counter() - started < 1:
                return
        time.sleep(0.5)


def measure(plans: dict[str, dict], args) -> dict[str, dict[str, list]]:
    results = {side: {label: [] for label in plan} for side, plan in plans.items()}
    for run in range(args.runs):
        for side, plan in plans.items():
            for label, (url, script) in plan.items():
                results[side][label].append(
                    wrk(url, seconds=args.seconds, connections=args.connections, script=script)
                )
                drain(url.split("/", 3)[:3])
        print(f"run {run + 1} of {args.runs} done", file=sys.stderr, flush=True)
    return results


def report(results: dict[str, dict[str, list]], args) -> int:
    medians = {
        side: {label: median_of(runs) for label, runs in by_label.items()}
        for side, by_label in results.items()
    }
    rows = []
    for label, *sides in SHAPES:
        row = [label]
        for side, spec in zip(("conectados", "helpdesk"), sides, strict=True):
            result = medians[side].get(label)
            if result is None:
                failed = FAILED.get((side[0], label))
                row += [f"answers {failed}" if failed else "(in the page)", "", ""]
                continue
            floor = medians[side]["floor POST" if spec[0] == "POST" else "floor GET"]
            ratio = (
                f"{result.requests_per_second / floor.requests_per_second:.3f}"
                if floor.requests_per_second
                else "n/a"
            )
            errors = f" ({result.errors} err)" if result.errors else ""
            single = SINGLE.get((side[0], label))
            errors += f" [1 req: {single:,.0f} ms]" if single is not None else ""
            row += [
                f"{result.requests_per_second:.1f}{errors}",
                f"{floor.requests_per_second:.0f}",
                ratio,
            ]
        rows.append(row)
    print(
        table(
            f"Conectados beside django-helpdesk 2.6.1 at {args.tickets:,} tickets each: req/s, "
            f"median of {args.runs} run(s) x {args.seconds:.0f} s, {args.connections} "
            f"connections, gunicorn 2 sync workers each, Postgres; ratio = shape / its own "
            f"server's constant floor (GET or POST /ping); [1 req] = one request alone, "
            f"before wrk; err = wrk errors (5 s timeout, non-2xx)",
            ["shape", "Conectados req/s", "floor", "ratio", "helpdesk req/s", "floor", "ratio"],
            rows,
        )
    )
    errors = sum(r.errors for side in medians.values() for r in side.values())
    if FAILED:
        print(
            "not measured (no 2xx answer; gunicorn kills a worker after 30 s): "
            + ", ".join(
                f"{'Conectados' if tag == 'c' else 'helpdesk'} {label}" for tag, label in FAILED
            )
        )
    return 1 if (errors or any(tag == "c" for tag, _ in FAILED)) and not args.smoke else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="2,000 tickets, 1 run x 2 s")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=10)
    args = parser.parse_args()
    if args.smoke:
        args.tickets, args.runs, args.seconds, args.connections = 2_000, 1, 2, 4
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory() as tmp,
        conectados(args.tickets) as ours,
        helpdesk(args.tickets) as peer,
    ):
        folder = Path(tmp)
        plans = {
            "conectados": scenarios(ours, 1, folder, "c"),
            "helpdesk": scenarios(peer, 2, folder, "h"),
        }
        for side, plan in plans.items():
            for label, (url, _) in plan.items():
                print(f"{side}: {label}: {url}", file=sys.stderr)
        results = measure(plans, args)
        status = report(results, args)  # before the servers stop: a busy one may not at once
    print(f"\n(whole run: {time.perf_counter() - started:.0f} s)")
    return status


if __name__ == "__main__":
    sys.exit(main())
