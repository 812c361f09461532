"""The benchmark scripts keep working: their smoke mode runs in CI (tiny sizes, seconds)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import IN_CI

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))


def run(script: str, *, needs_services: bool = True) -> str:
    if needs_services and (not POSTGRES or shutil.which("wrk") is None):
        if IN_CI:
            pytest.fail("the benchmark smoke runs need Postgres and wrk in CI")
        pytest.skip("benchmarks need DATABASE_URL on Postgres and wrk (apt-get install wrk)")
    result = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(ROOT / "bench" / script), "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_http_benchmark_smoke():
    output = run("http_bench.py")
    for scenario in ("POST /api/v1/tickets", "signed SMS webhook", "GET /seguimiento/<code>"):
        assert scenario in output


def test_queue_benchmark_smoke():
    assert "Staff queue page" in run("queue_bench.py")


def test_delivery_benchmark_smoke():
    if not os.environ.get("REDIS_URL"):
        if IN_CI:
            pytest.fail("the delivery benchmark needs Redis in CI")
        pytest.skip("the delivery benchmark needs REDIS_URL")
    assert "--no-fork" in run("delivery_bench.py")


def test_sla_sweep_benchmark_smoke():
    assert "crossing: sweep" in run("sla_sweep.py")


def test_embedded_benchmark_smoke():
    """SQLite and Python clients: runs everywhere, CI included."""
    output = run("embedded.py", needs_services=False)
    assert "tickets/s" in output and "stored/accepted" in output


def test_retention_benchmark_smoke():
    assert "ms/item" in run("retention.py")


def test_intake_benchmark_smoke():
    output = run("intake.py")
    assert "statements" in output and "web form" in output and "| ok" in output


def test_nearby_benchmark_smoke():
    """Postgres only (no wrk): the nearby search and the staff map's GeoJSON, a few seconds."""
    if not POSTGRES:
        if IN_CI:
            pytest.fail("the nearby benchmark needs Postgres in CI")
        pytest.skip("the nearby benchmark needs DATABASE_URL on Postgres")
    output = run("nearby.py", needs_services=False)
    assert "Nearby search" in output and "Staff map GeoJSON" in output
