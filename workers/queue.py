"""The one place that knows how jobs reach a worker.

With ``REDIS_URL`` set, jobs go to RQ queues on Redis. Without it (embedded mode), the same job
functions run in-process on a background thread inside an app context, so the README's run
command works with no services. Web code calls ``enqueue`` only after its transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from flask import current_app
from redis import Redis

log = logging.getLogger(__name__)

QUEUES = ("notifications", "default")
DEFAULT_TIMEOUT = 60  # seconds a job may run
FAILURE_TTL = 7 * 24 * 3600  # keep failed jobs a week for inspection

_inline_pool: ThreadPoolExecutor | None = None


def redis_connection() -> Redis:
    """A Redis client for the configured URL (connection pools are per client; cached per app)."""
    extensions = current_app.extensions
    client = extensions.get("conectados.redis")
    if client is None:
        client = Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=5)
        extensions["conectados.redis"] = client
    return client


def embedded() -> bool:
    return not current_app.config.get("REDIS_URL")


def get_queue(name: str = "default"):
    from rq import Queue

    return Queue(name, connection=redis_connection(), default_timeout=DEFAULT_TIMEOUT)


def _run_in_app(app, func: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    with app.app_context():
        try:
            return func(*args, **kwargs)
        except Exception:
            log.exception("in-process job %s failed", getattr(func, "__name__", func))
            raise


def enqueue(
    func: Callable[..., Any],
    *args: Any,
    queue: str = "default",
    job_id: str | None = None,
    **kwargs: Any,
) -> Any:
    """Hand a job to a worker. Best effort: callers have already committed what matters."""
    app = current_app._get_current_object()  # noqa: SLF001 - the real app for the thread
    if embedded():
        if app.config.get("JOBS_SYNC"):  # tests: run now, in this thread
            return _run_in_app(app, func, args, kwargs)
        global _inline_pool
        if _inline_pool is None:
            _inline_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="jobs")
        future: Future = _inline_pool.submit(_run_in_app, app, func, args, kwargs)
        return future
    return get_queue(queue).enqueue(func, *args, job_id=job_id, failure_ttl=FAILURE_TTL, **kwargs)
