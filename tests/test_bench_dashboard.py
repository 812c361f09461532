"""The dashboard benchmark runs end to end in smoke mode (2,000 tickets, about 3 s) against the
Postgres server the suite uses; the full run (a million tickets) is manual: see bench/README.md."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ENV_DATABASE_URL

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.postgres
@pytest.mark.skipif(
    not (ENV_DATABASE_URL or "").startswith("postgres"), reason="the benchmark needs Postgres"
)
def test_the_dashboard_benchmark_runs_in_smoke_mode():
    result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(ROOT / "bench" / "dashboard.py"), "--smoke"],
        env={**os.environ, "DATABASE_URL": ENV_DATABASE_URL},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "2,000 tickets generated" in result.stdout
    for view in ("head, 30 days", "admin, 30 days", "transparencia"):
        assert view in result.stdout
