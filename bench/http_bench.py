"""Intake and tracking over HTTP, against a bare constant endpoint of the same app (the floor).

1. intake: tickets filed per second through ``POST /api/v1/tickets`` and through the signed SMS
   webhook, vs ``POST /ping`` (a constant);
2. tracking: ``/seguimiento/<code>`` requests per second and p50/p99 at 50 connections, vs
   ``GET /ping``.

The app runs under gunicorn with production settings on a scratch Postgres database, Redis for
rate-limit storage and jobs; wrk drives the load from the same machine (2 cores: the generator
competes with the server, which is why every figure has its floor beside it).

    .venv/bin/python bench/http_bench.py            # full: 3 runs x 10 s each
    .venv/bin/python bench/http_bench.py --smoke    # CI: 1 run x 1 s, tiny sizes
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import urllib.parse
from contextlib import nullcontext
from pathlib import Path

from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402
    app_env,
    flask,
    free_port,
    gunicorn,
    median_of,
    scratch_database,
    table,
    wrk,
)

INTAKE_BODY = json.dumps(
    {
        "category": "luminaria",
        "description": "Poste apagado frente al numero 1234 desde hace una semana",
        "address": "Av. Grecia 1234, Peñalolén",
    }
)


def lua(path: Path, source: str) -> str:
    path.write_text(source)
    return str(path)


def api_intake_script(folder: Path, key: str) -> str:
    return lua(
        folder / "api.lua",
        f"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = "{key}"
wrk.body = {json.dumps(INTAKE_BODY)}
""",
    )


def sms_script(folder: Path, base: str, count: int, run: int) -> str:
    """Signed webhook requests, each with its own MessageSid (a new ticket each)."""
    validator = RequestValidator("bench-token")
    url = base + "/channels/sms/inbound"
    entries = []
    for n in range(count):
        params = {
            "From": f"+5699{(run * count + n) % 10_000_000:07d}",
            "To": "+56229999999",
            "Body": "Bache grande en la calzada de Los Presidentes 200",
            "MessageSid": f"SM{run:04d}{n:028d}",
        }
        body = urllib.parse.urlencode(params)
        entries.append(f'{{{json.dumps(body)}, "{validator.compute_signature(url, params)}"}}')
    listed = ",\n".join(entries)
    return lua(
        folder / f"sms{run}.lua",
        f"""
local requests = {{{listed}}}
local i = 0
request = function()
  i = i % #requests + 1
  local r = requests[i]
  return wrk.format("POST", "/channels/sms/inbound", {{
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = r[2]}}, r[1])
end
""",
    )


def post_script(folder: Path) -> str:
    return lua(
        folder / "post.lua",
        'wrk.method = "POST"\nwrk.body = "x=1"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n',
    )


def tracking_script(folder: Path, codes: list[str]) -> str:
    listed = ",".join(json.dumps(c) for c in codes)
    return lua(
        folder / "track.lua",
        f"""
local codes = {{{listed}}}
request = function()
  return wrk.format("GET", "/seguimiento/" .. codes[math.random(#codes)])
end
""",
    )


def file_tickets(base: str, key: str, count: int) -> list[str]:
    import urllib.request

    codes = []
    for _ in range(count):
        request = urllib.request.Request(  # noqa: S310 - loopback
            base + "/api/v1/tickets",
            data=INTAKE_BODY.encode(),
            method="POST",
            headers={"Content-Type": "application/json", "X-API-Key": key},
        )
        with urllib.request.urlopen(request) as response:  # noqa: S310
            codes.append(json.load(response)["code"])
    return codes


def sample_codes(database_url: str, count: int) -> list[str]:
    """``count`` tickets drawn at random over the whole table, given valid codes (the bulk
    generator's codes have no check symbol) and a public "created" event when they have none:
    tracking is measured on codes nobody asked for a moment ago, not on a few hot ones."""
    from sqlalchemy import create_engine, text

    from app.tickets.codes import display, generate
    from config import normalize_database_url

    engine = create_engine(normalize_database_url(database_url))
    with engine.begin() as conn:
        ids = conn.scalars(
            text("SELECT id FROM tickets ORDER BY random() LIMIT :n"), {"n": count}
        ).all()
        codes = {}
        for ticket_id in ids:
            code = conn.scalar(text("SELECT code FROM tickets WHERE id = :id"), {"id": ticket_id})
            if not code.startswith("B"):
                codes[ticket_id] = code  # filed through the app: valid already
        fresh = [(i, generate()) for i in ids if i not in codes]
        if fresh:
            conn.execute(
                text("UPDATE tickets SET code = :code WHERE id = :id"),
                [{"id": i, "code": c} for i, c in fresh],
            )
            conn.execute(
                text(
                    "INSERT INTO ticket_events (ticket_id, created_at, actor_kind, kind, public,"
                    " to_status) SELECT t.id, t.created_at, 'resident', 'created', true, 'new'"
                    " FROM tickets t WHERE t.id = ANY(:ids) AND NOT EXISTS"
                    " (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id)"
                ),
                {"ids": [i for i, _ in fresh]},
            )
            codes.update(fresh)
    engine.dispose()
    return [display(c) for c in codes.values()]


def report(results: dict[str, list], args, codes: int) -> None:
    medians = {name: median_of(runs) for name, runs in results.items()}
    rows = []
    for name, result in medians.items():
        floor = medians.get("floor: POST /ping" if "intake" in name else "floor: GET /ping")
        is_floor = name.startswith("floor")
        if is_floor:
            ratio = ""
        elif (
            floor is None or not floor.requests_per_second
        ):  # a tiny smoke run can finish no floor request
            ratio = "n/a"
        else:
            ratio = f"{result.requests_per_second / floor.requests_per_second:.0%}"
        rows.append(
            [
                name,
                f"{result.requests_per_second:.0f}",
                "" if is_floor else f"{floor.requests_per_second:.0f}",
                ratio,
                f"{result.p50_ms:.1f}",
                f"{result.p99_ms:.1f}",
                str(result.errors),
            ]
        )
    print(
        table(
            f"HTTP benchmarks: median of {args.runs} run(s) x {args.seconds:.0f} s, "
            f"{args.connections} connections, gunicorn 2 workers, Postgres; tracking over "
            f"{codes:,} codes drawn at random",
            ["scenario", "req/s", "floor req/s", "% of floor", "p50 ms", "p99 ms", "errors"],
            rows,
        )
    )
    if any(r.errors for r in medians.values()):
        sys.exit("errors during the runs (see the table)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny and fast: for CI")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument(
        "--database-url",
        help="a migrated, seeded and loaded database to reuse (bench/intake.py --preload, "
        "queue_bench.py): tracking then draws its codes over all its tickets",
    )
    parser.add_argument("--codes", type=int, default=20_000, help="tracking codes drawn")
    parser.add_argument("--only", choices=["intake", "tracking"], help="one half of the runs")
    args = parser.parse_args()
    if args.smoke:
        args.runs, args.seconds, args.connections, args.codes = 1, 1, 8, 20
    port = free_port()
    database = nullcontext(args.database_url) if args.database_url else scratch_database()
    with database as database_url, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = app_env(database_url, port)
        if not args.database_url:
            flask(env, "db", "upgrade")
            flask({**env, "APP_ENV": "development"}, "seed-demo", "--tickets", "0")  # not in prod
        key = flask(env, "create-api-key", f"bench-{port}").strip().splitlines()[0]
        with gunicorn(env, port) as base:
            if not args.database_url:
                file_tickets(base, key, 20 if args.smoke else 200)
            codes = sample_codes(database_url, args.codes)
            scenarios = {
                "intake: POST /api/v1/tickets": ("/api/v1/tickets", api_intake_script(folder, key)),
                "intake: signed SMS webhook": ("/channels/sms/inbound", None),
                "floor: POST /ping": ("/ping", post_script(folder)),
                "tracking: GET /seguimiento/<code>": ("/", tracking_script(folder, codes)),
                "floor: GET /ping": ("/ping", None),
            }
            if args.only:
                keep = (
                    ("intake", "floor: POST")
                    if args.only == "intake"
                    else ("tracking", "floor: GET")
                )
                scenarios = {k: v for k, v in scenarios.items() if k.startswith(keep)}
            results: dict[str, list] = {name: [] for name in scenarios}
            for run in range(args.runs):
                for name, (path, script) in scenarios.items():
                    if name.startswith("intake: signed SMS"):
                        script = sms_script(folder, base, 300 if args.smoke else 8000, run)
                    results[name].append(
                        wrk(
                            base + path,
                            seconds=args.seconds,
                            connections=args.connections,
                            script=script,
                        )
                    )
    report(results, args, len(codes))


if __name__ == "__main__":
    main()
