"""``flask --app app worker``: an RQ worker with the scheduler, jobs inside an app context."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the queued jobs, then exit.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Start an RQ worker on the notifications and default queues (needs REDIS_URL)."""
    from rq import Worker

    from app.extensions import db
    from workers import schedule
    from workers.queue import QUEUES, redis_connection

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException(
            "REDIS_URL no está configurada: en modo embebido los trabajos corren dentro de la app."
        )
    app = current_app._get_current_object()  # noqa: SLF001

    class AppWorker(Worker):
        def perform_job(self, job, queue):
            # RQ forks per job: never share the parent's pooled DB connections with the child.
            db.engine.dispose(close=False)
            with app.app_context():
                return super().perform_job(job, queue)

    connection = redis_connection()
    scheduler = None if burst else schedule.start(app)  # periodic jobs (see workers/schedule.py)
    try:
        AppWorker(list(QUEUES), connection=connection).work(with_scheduler=True, burst=burst)
    finally:
        if scheduler is not None:
            scheduler.stop()
