"""``flask --app app worker``: an RQ worker with the scheduler, jobs inside an app context."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from workers import schedule
from workers.queue import QUEUES
from workers.worker import Supervisor


def _queues(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in QUEUES]
    if not names or unknown:
        raise click.BadParameter(
            f"colas conocidas: {', '.join(QUEUES)} (separadas por comas, en orden de prioridad)"
        )
    return names


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the queued jobs, then exit.")
@click.option(
    "--no-fork",
    is_flag=True,
    help="Run jobs in the worker process instead of a fork per job (faster; less isolation).",
)
@click.option(
    "--queues",
    default=",".join(QUEUES),
    show_default=True,
    help="Queues to serve, in priority order (the Procfile runs sms,default and email apart).",
)
@with_appcontext
def worker_command(burst: bool, no_fork: bool, queues: str) -> None:
    """Start an RQ worker on the given queues (needs REDIS_URL).

    Besides the queued jobs it runs RQ's scheduler (delayed retries) and, unless ``--burst``,
    the periodic-jobs loop (see workers/schedule.py). It keeps running through Redis outages:
    a worker RQ stopped is started again, a dead scheduler restarted."""
    names = _queues(queues)
    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException(
            "REDIS_URL no está configurada: en modo embebido los trabajos corren dentro de la app."
        )
    app = current_app._get_current_object()  # noqa: SLF001
    supervisor = Supervisor(app, names, fork=not no_fork)
    periodic = None if burst else schedule.start(app, watch=supervisor.watch)
    try:
        supervisor.run(burst=burst)
    finally:
        if periodic is not None:
            periodic.stop()
