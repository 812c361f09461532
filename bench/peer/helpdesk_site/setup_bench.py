"""Run with the peer's venv (bench/peer/run.py does): a staff superuser with a DRF token and a
logged-in session, the queues, ``--tickets`` synthetic tickets inserted by Postgres itself
(INSERT ... SELECT over generate_series, in batches), ANALYZE; prints what wrk needs as JSON."""

import argparse
import json
import os
import re
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk_site.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from helpdesk.models import Queue  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

BATCH = 250_000
# The same departments as Conectados' demo desk: one queue each.
QUEUES = ["Alumbrado", "Aseo", "Áreas verdes", "Tránsito", "Obras", "Seguridad", "Social"]

# Three years, recent months busier (Conectados' "growing" shape), ids growing with time;
# about 8 % open or reopened (the rest resolved or closed), half assigned to the staff user.
TICKETS = """
WITH q AS (SELECT array_agg(id ORDER BY id) AS a FROM helpdesk_queue)
INSERT INTO helpdesk_ticket (title, created, modified, submitter_email, status, on_hold,
    description, resolution, priority, due_date, last_escalation, assigned_to_id, queue_id,
    secret_key, kbitem_id, merged_to_id)
SELECT 'Solicitud de prueba del benchmark', t, t, 'vecino' || i || '@example.cl',
       CASE WHEN r < 0.07 THEN 1 WHEN r < 0.08 THEN 2 WHEN r < 0.30 THEN 3 ELSE 4 END,
       false, 'Poste apagado frente al numero 1234 desde hace una semana', NULL,
       1 + floor(random() * 5)::int, t + interval '10 days', NULL,
       CASE WHEN random() < 0.5 THEN %(user)s END,
       q.a[1 + floor(random() * cardinality(q.a))::int],
       md5(random()::text || i::text), NULL, NULL
FROM (SELECT i, random() AS r,
             now() - power(1 - (i - 0.5) / %(total)s, 1.3) * interval '1095 days' AS t
      FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i) AS g CROSS JOIN q
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, required=True)
    args = parser.parse_args()
    user_model = get_user_model()
    user = user_model.objects.create_superuser("admin", "admin@example.cl", "bench-password")
    token = Token.objects.create(user=user)
    queues = [Queue.objects.create(title=t, slug=f"q{n}") for n, t in enumerate(QUEUES)]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for first in range(1, args.tickets + 1, BATCH):
            last = min(first + BATCH - 1, args.tickets)
            params = {"user": user.id, "total": args.tickets, "first": first, "last": last}
            cursor.execute(TICKETS, params)
            print(f"helpdesk tickets generated: {last:,} of {args.tickets:,}", file=sys.stderr)
        cursor.execute("VACUUM ANALYZE")  # as Conectados' loader does (autovacuum's work)
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]
    loaded = time.perf_counter() - started
    client = Client()
    client.force_login(user)
    page = client.get("/tickets/").content.decode()
    data = re.search(r"datatables_ticket_list/([A-Za-z0-9_=-]+)", page)
    ticket_id = connection.cursor().execute("SELECT max(id) FROM helpdesk_ticket").fetchone()[0]
    print(
        json.dumps(
            {
                "session": client.cookies["sessionid"].value,
                "token": token.key,
                "queue": queues[0].id,
                "ticket": ticket_id,
                "datatables": data.group(0) if data else None,
                "seconds": round(loaded, 1),
                "autovacuum": autovacuum,
            }
        )
    )


if __name__ == "__main__":
    main()
