"""The embedded default (bin/run: SQLite, jobs and periodic jobs in process) under a small
office's load: the real ``flask run`` server, 6 concurrent clients (web form + signed Twilio
SMS) for 10 s. No 5xx, and every accepted request is a stored ticket.

Runs on SQLite whatever DATABASE_URL says: this is the embedded mode's own test.
"""

from pathlib import Path

import pytest

from bench.embedded import measure

pytestmark = pytest.mark.slow  # a subprocess server and 10 s of load


def test_six_clients_for_ten_seconds_no_5xx_and_nothing_lost(tmp_path: Path):
    run = measure(
        tmp_path,
        clients=6,
        seconds=10,
        floor=False,
        # The periodic jobs (outbox relay, SLA sweep, housekeeping) every second, beside the load.
        RELAY_INTERVAL_SECONDS="1",
        SLA_SWEEP_INTERVAL_SECONDS="1",
        HOUSEKEEPING_INTERVAL_SECONDS="1",
    )
    tally = run.intake
    assert tally.clean, (
        tally.statuses,
        tally.errors[:3],
        (tmp_path / "server.log").read_text()[-3000:],
    )
    assert tally.accepted["web"] > 0 and tally.accepted["sms"] > 0, tally.statuses
    assert run.stored == tally.total_accepted
