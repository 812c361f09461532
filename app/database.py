"""The engine, session and transaction boundary: how a request's work reaches the database.

- **SQLite (the embedded default)** runs in WAL mode (readers never block the writer) with a
  busy timeout that is really waited. pysqlite's own transaction handling is off: reads run
  outside any transaction (each statement sees the latest commit, like Postgres' READ
  COMMITTED) and the first write of a transaction (INSERT/UPDATE/DELETE, a SAVEPOINT, DDL)
  opens it with ``BEGIN IMMEDIATE``, which takes the write lock at once and so waits for the
  other writer. A *deferred* transaction that read first and then writes would get
  ``database is locked`` at once instead: SQLite skips the busy handler there to avoid a
  deadlock.
- **A stale write is a conflict wherever the flush happens.** The optimistic lock on tickets
  raises ``StaleDataError`` from any flush, also from an autoflush that a lazy load triggers;
  the session turns it into the domain's ``StaleTicket`` (409 in every door).
- **Transient faults are retried once at the door** (``retry_transient``): a dropped database
  connection, a serialization failure or deadlock, a lock wait that timed out, a uniqueness race
  with a concurrent writer, or a resident's write that lost an optimistic-lock race. Only when
  it is safe: before the transaction's COMMIT was sent, or always for an idempotent door (the
  SMS webhook: MessageSid).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from flask import Flask
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

log = logging.getLogger(__name__)

DEFAULT_BUSY_TIMEOUT_SECONDS = 10
# Statements that need the write lock: the transaction that runs them starts IMMEDIATE.
_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|SAVEPOINT|CREATE|DROP|ALTER)\b", re.I)
# Postgres SQLSTATEs that mean "run the transaction again": serialization failure, deadlock.
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


class Session(FlaskSession):
    """Flask-SQLAlchemy's session, with the optimistic lock's failure as a domain conflict."""

    def flush(self, objects=None) -> None:
        try:
            super().flush(objects)
        except StaleDataError as exc:
            from app.tickets.errors import StaleTicket  # the domain imports the models back

            raise StaleTicket() from exc


# --- SQLite ------------------------------------------------------------------------------------


def _on_connect(busy_timeout_ms: int) -> Callable[..., None]:
    def configure(dbapi_connection, connection_record) -> None:  # noqa: ARG001 - event signature
        dbapi_connection.isolation_level = None  # we say when a transaction begins
        dbapi_connection.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        dbapi_connection.execute("PRAGMA journal_mode = WAL")

    return configure


def _begin_before_writing(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ARG001
    dbapi_connection = cursor.connection
    if not dbapi_connection.in_transaction and _WRITES.match(statement):
        dbapi_connection.execute("BEGIN IMMEDIATE")  # waits up to the busy timeout


def configure_sqlite(engine: Engine, busy_timeout_seconds: float) -> None:
    if engine.dialect.name != "sqlite" or event.contains(
        engine, "before_cursor_execute", _begin_before_writing
    ):
        return
    event.listen(engine, "connect", _on_connect(int(busy_timeout_seconds * 1000)))
    event.listen(engine, "before_cursor_execute", _begin_before_writing)


# --- transient faults --------------------------------------------------------------------------

_commit_sent: ContextVar[bool] = ContextVar("conectados_commit_sent", default=False)


def _note_commit(conn) -> None:  # noqa: ARG001 - event signature
    _commit_sent.set(True)


def is_transient(error: BaseException) -> bool:
    """A fault that running the same transaction again may not meet."""
    from app.tickets.errors import StaleTicket

    if isinstance(error, StaleTicket):
        # Escaped the door: a resident's write (no version was shown to them) met a staff
        # change. Staff forms handle their own conflicts (409 with what they typed).
        return True
    if isinstance(error, OperationalError | IntegrityError):
        return True  # connection lost, lock wait timed out; a concurrent insert of the same row
    if isinstance(error, DBAPIError):
        return error.connection_invalidated or (
            getattr(error.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES
        )
    return False


def retry_transient(view: Callable[..., Any] | None = None, *, idempotent: bool = False):
    """Run the view once more after a transient database fault (rolled back first).

    Safe by construction: the retry happens only if the failed attempt never sent a COMMIT
    (nothing of it can be stored), unless the door is ``idempotent`` — then a COMMIT whose answer
    was lost is harmless, the second attempt finds what the first one stored.
    """

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from app.extensions import db

            token = _commit_sent.set(False)
            try:
                return func(*args, **kwargs)
            except Exception as error:
                if not is_transient(error) or (_commit_sent.get() and not idempotent):
                    raise
                log.warning(
                    "transient database fault in %s, retrying once: %r", func.__name__, error
                )
                db.session.rollback()
            finally:
                _commit_sent.reset(token)
            return func(*args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def init_app(app: Flask) -> None:
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    configure_sqlite(
        engine, float(app.config.get("SQLITE_BUSY_TIMEOUT_SECONDS", DEFAULT_BUSY_TIMEOUT_SECONDS))
    )
    if not event.contains(engine, "commit", _note_commit):
        event.listen(engine, "commit", _note_commit)
