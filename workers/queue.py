"""The one place that knows how jobs reach a worker.

With ``REDIS_URL`` set, jobs go to RQ queues on Redis. Without it (embedded mode), the same job
functions run in-process on a background thread inside an app context, so the README's run
command works with no services. Web code calls ``enqueue`` only after its transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from redis import Redis

log = logging.getLogger(__name__)

QUEUES = ("notifications", "default")  # a worker serves them in this order
DEFAULT_TIMEOUT = 60  # seconds a job may run
FAILURE_TTL = 7 * 24 * 3600  # keep failed jobs a week for inspection
RESULT_TTL = 0  # results live in the database; a finished job leaves nothing in Redis
# Jobs that crash (database down, a bug) are retried by RQ with backoff; deliveries also keep
# their own attempt count and backoff in the outbox row (see app/notifications/state.py).
RETRY_MAX = 3
RETRY_INTERVALS = (10, 60, 300)

_inline_pool: ThreadPoolExecutor | None = None


def redis_connection() -> Redis:
    """A Redis client for the configured URL (connection pools are per client; cached per app)."""
    extensions = current_app.extensions
    client = extensions.get("conectados.redis")
    if client is None:
        # A short connect timeout: when Redis is unreachable, a web request that enqueues after
        # commit gives up quickly (the outbox relay enqueues later).
        client = Redis.from_url(
            current_app.config["REDIS_URL"], socket_timeout=5, socket_connect_timeout=2
        )
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
    at: datetime | None = None,
    **kwargs: Any,
) -> Any:
    """Hand a job to a worker. Best effort: callers have already committed what matters.

    With a ``job_id`` the enqueue is unique: while a job with that id waits in Redis, enqueuing
    it again is a no-op (returns None). ``at`` delays the job (RQ's scheduler); in embedded mode
    delayed jobs are left to the periodic relay, which finds what is due.
    """
    app = current_app._get_current_object()  # noqa: SLF001 - the real app for the thread
    if embedded():
        if at is not None and at > datetime.now(UTC):
            return None
        if app.config.get("JOBS_SYNC"):  # tests: run now, in this thread
            return _run_in_app(app, func, args, kwargs)
        global _inline_pool
        if _inline_pool is None:
            _inline_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="jobs")
        future: Future = _inline_pool.submit(_run_in_app, app, func, args, kwargs)
        return future
    from rq import Retry
    from rq.exceptions import DuplicateJobError

    options = {
        "job_id": job_id,
        "unique": job_id is not None,
        "failure_ttl": FAILURE_TTL,
        "result_ttl": RESULT_TTL,
        "retry": Retry(max=RETRY_MAX, interval=list(RETRY_INTERVALS)),
    }
    target = get_queue(queue)
    try:
        if at is not None:
            return target.enqueue_at(at, func, *args, **options, **kwargs)
        return target.enqueue(func, *args, **options, **kwargs)
    except DuplicateJobError:
        return None
