"""The one place that knows how jobs reach a worker.

With ``REDIS_URL`` set, jobs go to RQ queues on Redis. Without it (embedded mode), the same job
functions run in-process on background threads inside an app context, so the README's run
command works with no services. Web code calls ``enqueue`` only after its transaction commits.

Queues: ``sms`` and ``email`` (one per provider, so a slow SMTP server never holds an SMS back)
and ``default`` (periodic jobs). Redis in the request path is bounded: short connect and read
timeouts, and after a failure this process leaves Redis alone for ``REDIS_RETRY_SECONDS``
(enqueues are skipped; the outbox relay enqueues those rows later). A resident never waits on
a frozen Redis.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError

from app.extensions import quick_redis_options
from app.logs import job_context
from config.settings import settings

log = logging.getLogger(__name__)

SMS, EMAIL, DEFAULT = "sms", "email", "default"
QUEUES = (SMS, EMAIL, DEFAULT)  # a worker on several queues serves them in this order
DEFAULT_TIMEOUT = 60  # seconds a job may run
FAILURE_TTL = 7 * 24 * 3600  # keep failed jobs a week for inspection
RESULT_TTL = 0  # results live in the database; a finished job leaves nothing in Redis
# Jobs that crash (database down, a bug) are retried by RQ with backoff; deliveries also keep
# their own attempt count and backoff in the outbox row (see app/delivery/state.py).
RETRY_MAX = 3
RETRY_INTERVALS = (10, 60, 300)

# A coalesced job (``enqueue_once``) not yet started: its key is held this long at most, so a
# job lost on its way (Redis flushed, a process killed between the flag and the job) only
# delays the next one by this much (and the periodic relay catches up meanwhile).
WAITING_TTL_SECONDS = 60

_inline_pools: dict[str, ThreadPoolExecutor] = {}
_inline_waiting: set[str] = set()  # embedded mode: coalesced jobs submitted, not yet started
_inline_lock = threading.Lock()
_redis_down_until = 0.0  # monotonic clock; this process skips Redis until then


def queue_for(channel: str) -> str:
    """Each provider has its own queue: a slow one never delays the other."""
    return SMS if channel == "sms" else EMAIL


def redis_connection() -> Redis:
    """The app's Redis client (cached per app): short timeouts, for the request path and the
    jobs' own enqueues. Workers listen through their own client (``worker_connection``)."""
    extensions = current_app.extensions
    client = extensions.get("conectados.redis")
    if client is None:
        timeout = settings().redis_timeout_seconds
        client = Redis.from_url(current_app.config["REDIS_URL"], **quick_redis_options(timeout))
        extensions["conectados.redis"] = client
    return client


def worker_connection() -> Redis:
    """A client of its own for an RQ worker: RQ raises its read timeout above the blocking
    dequeue's (minutes), which must not leak into the short-timeout client."""
    timeout = settings().redis_timeout_seconds
    return Redis.from_url(
        current_app.config["REDIS_URL"],
        socket_connect_timeout=max(timeout, 2.0),
        health_check_interval=30,
    )


def redis_available() -> bool:
    return time.monotonic() >= _redis_down_until


def redis_failed() -> None:
    """Redis did not answer in time: leave it alone for a while (the relay catches up)."""
    global _redis_down_until
    pause = settings().redis_retry_seconds
    _redis_down_until = time.monotonic() + pause


def embedded() -> bool:
    return not settings().redis_url


def get_queue(name: str = DEFAULT):
    return Queue(name, connection=redis_connection(), default_timeout=DEFAULT_TIMEOUT)


def _run_in_app(app, func: Callable[..., Any], args: tuple, kwargs: dict, job_id: str) -> Any:
    with app.app_context(), job_context(job_id):
        try:
            return func(*args, **kwargs)
        except Exception:
            log.exception("in-process job %s failed", getattr(func, "__name__", func))
            raise


def _inline(
    app, queue: str, func: Callable[..., Any], args: tuple, kwargs: dict, job_id: str
) -> Any:
    """Embedded mode: run now (tests), or on the queue's own threads (one pool per queue, so
    a slow SMTP server does not hold SMS back here either)."""
    if app.config.settings.jobs_sync:
        return _run_in_app(app, func, args, kwargs, job_id)
    pool = _inline_pools.get(queue)
    if pool is None:
        pool = _inline_pools.setdefault(
            queue, ThreadPoolExecutor(max_workers=2, thread_name_prefix=f"jobs-{queue}")
        )
    future: Future = pool.submit(_run_in_app, app, func, args, kwargs, job_id)
    return future


def enqueue(
    func: Callable[..., Any],
    *args: Any,
    queue: str = DEFAULT,
    job_id: str | None = None,
    at: datetime | None = None,
    timeout: int | None = None,
    **kwargs: Any,
) -> Any:
    """Hand a job to a worker. Best effort: callers have already committed what matters.

    With a ``job_id`` the enqueue is unique: while a job with that id waits in Redis, enqueuing
    it again is a no-op (returns None). ``at`` delays the job (RQ's scheduler); in embedded mode
    delayed jobs are left to the periodic relay, which finds what is due. ``timeout``: how long
    the job may run on a worker (``DEFAULT_TIMEOUT``). While Redis is considered down (a recent
    failure), nothing is sent to it and None is returned.
    """
    app = current_app._get_current_object()  # noqa: SLF001 - the real app for the thread
    if embedded():
        if at is not None and at > datetime.now(UTC):
            return None
        return _inline(app, queue, func, args, kwargs, job_id or f"inline-{func.__name__}")
    if not redis_available():
        log.info("Redis recently failed: %s left to the relay", job_id or func.__name__)
        return None

    options = {
        "job_id": job_id,
        "unique": job_id is not None,
        "failure_ttl": FAILURE_TTL,
        "result_ttl": RESULT_TTL,
        "retry": Retry(max=RETRY_MAX, interval=list(RETRY_INTERVALS)),
        "job_timeout": timeout or DEFAULT_TIMEOUT,
    }
    target = get_queue(queue)
    try:
        if at is not None:
            return target.enqueue_at(at, func, *args, **options, **kwargs)
        return target.enqueue(func, *args, **options, **kwargs)
    except DuplicateJobError:
        return None
    except RedisError:
        redis_failed()
        raise


def _waiting_key(key: str) -> str:
    return f"conectados:waiting:{key}"


def enqueue_once(
    func: Callable[..., Any], *args: Any, queue: str, key: str, timeout: int | None = None
) -> bool:
    """Enqueue ``func(*args)`` unless a job under ``key`` is already waiting to start: however
    many callers ask in the meantime, one job runs. The job calls ``started(key)`` before it
    reads anything, so what is committed after that instant queues a new one (never lost to a
    job that has already looked). Returns whether a job was queued (or, in tests, run).

    RQ's own ``unique`` job ids do not fit: they refuse while the job's hash exists in Redis —
    while it runs, and for a week after it failed (``FAILURE_TTL``). Here a Redis ``SET NX``
    with a TTL marks "waiting"; embedded mode keeps the same mark in memory.
    """
    if embedded():
        app = current_app._get_current_object()  # noqa: SLF001 - the real app for the thread
        if not app.config.settings.jobs_sync:
            with _inline_lock:
                if key in _inline_waiting:
                    return False
                _inline_waiting.add(key)
        _inline(app, queue, func, args, {}, key)
        return True
    if not redis_available():
        log.info("Redis recently failed: %s left to the relay", key)
        return False
    flag = _waiting_key(key)
    try:
        if not redis_connection().set(flag, 1, nx=True, ex=WAITING_TTL_SECONDS):
            return False
    except RedisError:
        redis_failed()
        raise
    try:
        enqueue(func, *args, queue=queue, job_id=f"{key}-{secrets.token_hex(4)}", timeout=timeout)
    except Exception:
        _forget_waiting(flag)
        raise
    return True


def started(key: str) -> None:
    """A coalesced job begins: from now on ``enqueue_once(key)`` queues another. Best effort:
    if Redis does not answer, the mark expires by itself."""
    if embedded():
        with _inline_lock:
            _inline_waiting.discard(key)
        return
    _forget_waiting(_waiting_key(key))


def _forget_waiting(flag: str) -> None:
    try:
        redis_connection().delete(flag)
    except RedisError:
        log.warning("could not clear %s; it expires in %d s", flag, WAITING_TTL_SECONDS)
