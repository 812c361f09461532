"""``flask --app app worker``: an RQ worker with the scheduler, jobs inside an app context."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the queued jobs, then exit.")
@click.option(
    "--no-fork",
    is_flag=True,
    help="Run jobs in the worker process instead of a fork per job (faster; less isolation).",
)
@with_appcontext
def worker_command(burst: bool, no_fork: bool) -> None:
    """Start an RQ worker on the notifications and default queues (needs REDIS_URL).

    Besides the queued jobs it runs RQ's scheduler (delayed retries) and, unless ``--burst``,
    the periodic-jobs loop (see workers/schedule.py)."""
    from workers import schedule
    from workers.queue import redis_connection
    from workers.worker import make_worker

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException(
            "REDIS_URL no está configurada: en modo embebido los trabajos corren dentro de la app."
        )
    app = current_app._get_current_object()  # noqa: SLF001
    worker = make_worker(app, redis_connection(), fork=not no_fork)
    scheduler = None if burst else schedule.start(app)
    try:
        worker.work(with_scheduler=True, burst=burst)
    finally:
        if scheduler is not None:
            scheduler.stop()
