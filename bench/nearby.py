"""Places at a million tickets: "reported nearby" (the web form's and the counter's 150 m search,
the staff ticket page's 50 m one) and the staff map's GeoJSON, each beside its floor, the very
SQL statements it sent replayed bare on the driver's cursor.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/nearby.py
    python bench/nearby.py --database h19          # a database of your own, kept for --reuse
    python bench/nearby.py --database h19 --reuse  # measure again without loading again
    python bench/nearby.py --smoke                 # 2,000 tickets, 3 runs (CI)

The tickets are the dashboard benchmark's (bench/dashboard_data.py: three years, about 5 % still
open), then placed uniformly over Peñalolén's box (lat -33.525..-33.445, lon -70.575..-70.475),
but for SMS and phone requests (no point). Targets: the nearby search under 10 ms, the map's
GeoJSON under 250 ms, at 1,000,000 tickets.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.dashboard_data import load_desk, vacuum  # noqa: E402
from bench.harness import DEFAULT_PG, scratch_database, table  # noqa: E402

SOUTH, NORTH, WEST, EAST = -33.525, -33.445, -70.575, -70.475
PLACE = text(
    """
UPDATE tickets
SET lat = CASE WHEN channel IN ('sms', 'phone') THEN NULL ELSE :south + random() * :dlat END,
    lon = CASE WHEN channel IN ('sms', 'phone') THEN NULL ELSE :west + random() * :dlon END,
    address = 'Calle ' || (id % 900) || ' ' || (id % 9000)
"""
)
NEARBY_TARGET, MAP_TARGET = 0.010, 0.250


def place(engine) -> None:
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(
            PLACE, {"south": SOUTH, "dlat": NORTH - SOUTH, "west": WEST, "dlon": EAST - WEST}
        )
    vacuum(engine)
    print(f"tickets placed on the map in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def recorded(engine, function) -> list[tuple[str, object]]:
    """Run ``function`` once, returning the SQL statements it sent."""
    sent: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        function()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return sent


def replay(raw, sent) -> None:
    cursor = raw.cursor()
    for statement, parameters in sent:
        cursor.execute(statement, parameters)
        if cursor.description:
            cursor.fetchall()
    cursor.close()


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def measure_nearby(app, engine, repeat: int, points: int) -> tuple[list[list[str]], str]:
    """The nearby search at ``points`` random places (random category), ``repeat`` times each,
    alternating with its bare SQL; medians over all samples."""
    from app.extensions import db
    from app.models import Category
    from app.tickets.nearby import DAYS, FORM_RADIUS_M, RADIUS_M, nearby_open

    rng = random.Random(19)
    rows, plan = [], ""
    with app.app_context():
        categories = db.session.scalars(
            select(Category.id).where(Category.sensitive.is_(False), Category.is_triage.is_(False))
        ).all()
        places = [
            (rng.choice(categories), rng.uniform(SOUTH, NORTH), rng.uniform(WEST, EAST))
            for _ in range(points)
        ]
        raw = engine.raw_connection()
        from datetime import timedelta

        from app.models import utcnow

        cases = {
            f"web form / counter: {FORM_RADIUS_M} m, every open ticket": {
                "radius_m": FORM_RADIUS_M,
                "public": True,
            },
            f"staff ticket page: {RADIUS_M} m, last {DAYS} days": {
                "radius_m": RADIUS_M,
                "since": utcnow() - timedelta(days=DAYS),
            },
        }
        for name, options in cases.items():
            radius = options.pop("radius_m")
            full_samples, floor_samples, found = [], [], []
            for category_id, lat, lon in places:

                def search(category_id=category_id, lat=lat, lon=lon, r=radius, o=options):
                    db.session.expunge_all()
                    return nearby_open(db.session, category_id, lat, lon, r, **o)

                sent = recorded(engine, search)
                found.append(len(search()))
                if not plan:
                    statement = next(s for s, _ in sent if "FROM tickets" in s)
                    parameters = next(p for s, p in sent if "FROM tickets" in s)
                    cursor = raw.cursor()
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                    cursor.close()
                for _ in range(repeat):
                    full_samples.append(timed(search))
                    floor_samples.append(timed(lambda sent=sent: replay(raw, sent)))
            full, floor = statistics.median(full_samples), statistics.median(floor_samples)
            rows.append(
                [
                    name,
                    f"{statistics.mean(found):.1f}",
                    f"{full * 1000:.2f}",
                    f"{floor * 1000:.2f}",
                    f"{full / floor:.1f}x",
                    "ok" if full < NEARBY_TARGET else "MISSED",
                ]
            )
        raw.close()
        db.session.remove()
    return rows, plan


def measure_map(app, engine, repeat: int) -> list[list[str]]:
    """``/staff/mapa.geojson`` through Flask (request, SQL, JSON) beside its bare SQL."""
    from app.extensions import db
    from app.models import Category, StaffUser

    rows = []
    for who in ("jefatura@demo.penalolen.cl", "admin@demo.penalolen.cl"):
        with app.app_context():
            user = db.session.scalar(select(StaffUser).where(StaffUser.email == who))
            session_id = user.get_id()
            category_id = db.session.scalar(
                select(Category.id)
                .where(Category.department_id == user.department_id)
                .order_by(Category.id)
                if user.department_id
                else select(Category.id).order_by(Category.id)
            )
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
        urls = {
            "open (the queue's default)": "/staff/mapa.geojson",
            "one category": f"/staff/mapa.geojson?categoria={category_id}",
        }
        for name, url in urls.items():
            holder = {}

            def get(url=url, holder=holder, client=client):
                response = client.get(url)
                holder["answer"] = response.get_json()
                response.close()

            sent = recorded(engine, get)
            answer = holder["answer"]
            if "features" not in answer:
                raise RuntimeError(f"{url} answered {answer}")
            raw = engine.raw_connection()
            full_samples, floor_samples = [], []
            for _ in range(repeat):
                full_samples.append(timed(get))
                floor_samples.append(timed(lambda sent=sent, raw=raw: replay(raw, sent)))
            raw.close()
            full, floor = statistics.median(full_samples), statistics.median(floor_samples)
            rows.append(
                [
                    f"{who.split('@')[0]}: {name}",
                    f"{len(answer['features']):,}{'+' if answer['truncated'] else ''}",
                    f"{full * 1000:.1f}",
                    f"{floor * 1000:.1f}",
                    f"{full / floor:.1f}x",
                    "ok" if full < MAP_TARGET else "MISSED",
                ]
            )
    return rows


def own_database(name: str, reuse: bool):
    """The database ``name`` on DATABASE_URL's server: kept afterwards; emptied and created
    again unless ``reuse``. Answers (url, needs_load)."""
    server = make_url(
        (os.environ.get("DATABASE_URL") or DEFAULT_PG).replace(
            "postgresql://", "postgresql+psycopg://"
        )
    )
    url = server.set(database=name).render_as_string(hide_password=False)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists and reuse:
            probe = create_engine(url)
            with probe.connect() as own:
                loaded = own.scalar(
                    text(
                        "SELECT count(*) FROM information_schema.tables "
                        "WHERE table_name = 'tickets'"
                    )
                )
                count = own.scalar(text("SELECT count(*) FROM tickets")) if loaded else 0
            probe.dispose()
            admin.dispose()
            return url, count == 0
        if exists:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url, True


def run(url: str, args, needs_load: bool) -> int:
    from app import create_app
    from app.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-only",
            "REDIS_URL": None,
            "RATELIMIT_ENABLED": False,
            "EMBEDDED_SCHEDULER": False,
        }
    )
    with app.app_context():
        if needs_load:
            load_desk(args.tickets)
            place(db.engine)
        engine = db.engine
        with engine.connect() as conn:
            total = conn.scalar(text("SELECT count(*) FROM tickets"))
            located = conn.scalar(text("SELECT count(*) FROM tickets WHERE lat IS NOT NULL"))
            open_located = conn.scalar(
                text(
                    "SELECT count(*) FROM tickets WHERE lat IS NOT NULL AND status IN "
                    "('new', 'in_progress', 'waiting_resident')"
                )
            )
    nearby_rows, plan = measure_nearby(app, engine, args.repeat, args.points)
    map_rows = measure_map(app, engine, args.repeat)
    with app.app_context():
        db.engine.dispose()
    print(f"plan of the 150 m search (first point):\n{plan}", file=sys.stderr)
    print(
        table(
            f"Nearby search at {total:,} tickets ({located:,} with a point, {open_located:,} of "
            f"them open): median of {args.points} places x {args.repeat} runs "
            "(search = nearby_open through SQLAlchemy; floor = its SQL replayed bare)",
            ["search", "found (mean)", "search ms", "floor ms", "search/floor", "< 10 ms"],
            nearby_rows,
        )
    )
    print(
        table(
            f"Staff map GeoJSON at {total:,} tickets: median of {args.repeat} runs "
            "(whole request through Flask; floor = its SQL replayed bare)",
            ["view", "points", "request ms", "floor ms", "request/floor", "< 250 ms"],
            map_rows,
        )
    )
    verdicts = [row[-1] for row in nearby_rows + map_rows]
    return 0 if args.smoke or all(v == "ok" for v in verdicts) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--points", type=int, default=30, help="random places searched")
    parser.add_argument("--database", help="use (and keep) this database instead of a scratch one")
    parser.add_argument("--reuse", action="store_true", help="with --database: skip the load")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    if args.smoke:
        args.tickets, args.repeat, args.points = 2_000, 3, 3
    if args.database:
        url, needs_load = own_database(args.database, args.reuse)
        return run(url, args, needs_load)
    with scratch_database() as url:
        return run(url, args, True)


if __name__ == "__main__":
    sys.exit(main())
