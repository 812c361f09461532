"""The engine, session and transaction boundary: how a request's work reaches the database.

- **SQLite (the embedded default)** runs in WAL mode (readers never block the writer) with a
  busy timeout that is really waited. pysqlite's own transaction handling is off: reads run
  outside any transaction (each statement sees the latest commit, like Postgres' READ
  COMMITTED) and the first write of a transaction (INSERT/UPDATE/DELETE, a SAVEPOINT, DDL)
  opens it with ``BEGIN IMMEDIATE``, which takes the write lock at once and so waits for the
  other writer. (A *deferred* transaction that read first and then writes would get
  ``database is locked`` at once instead: SQLite skips the busy handler there to avoid a
  deadlock.) Inside the process writers queue in one writer lane, handed over as each COMMIT
  returns: no writer polls, none is overtaken for seconds.
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
import sqlite3
import threading
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria
from sqlalchemy.orm.exc import StaleDataError

from app.models.base import Base
from app.models.practice import PRACTICE, REAL, current_scope
from app.models.tickets import Ticket
from app.tickets.errors import StaleTicket

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
            raise StaleTicket() from exc


# The one Flask-SQLAlchemy object (app.extensions hands it out with the other extensions).
db = SQLAlchemy(model_class=Base, session_options={"class_": Session})


# --- practice tickets ("Modo práctica") ---------------------------------------------------------

_ONLY_REAL = with_loader_criteria(Ticket, lambda cls: cls.practice.is_(False), include_aliases=True)
_ONLY_PRACTICE = with_loader_criteria(
    Ticket, lambda cls: cls.practice.is_(True), include_aliases=True
)


@event.listens_for(Session, "do_orm_execute")
def _practice_criteria(state: ORMExecuteState) -> None:
    """Every ORM SELECT that reads tickets (joined, aliased, in a subquery) sees either the real
    ones or the practice ones, by the unit of work's scope (app/models/practice.py); an admin's
    reset sees both. Loading a relationship of a row already read is not filtered again."""
    if not state.is_select or state.is_column_load or state.is_relationship_load:
        return
    chosen = current_scope()
    if chosen == REAL:
        state.statement = state.statement.options(_ONLY_REAL)
    elif chosen == PRACTICE:
        state.statement = state.statement.options(_ONLY_PRACTICE)


# --- SQLite ------------------------------------------------------------------------------------


class WriterLane:
    """Opens a transaction with ``BEGIN IMMEDIATE`` at its first write, one writer at a time in
    this process. Writers queue on a lock that is handed over the moment the previous writer's
    COMMIT (or ROLLBACK) returns, instead of polling SQLite's lock with growing sleeps (up to
    100 ms each), which lets late arrivals overtake a long waiter. Another process (a CLI
    command) meets SQLite's busy timeout."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.lock = threading.Lock()
        self.holder: sqlite3.Connection | None = None

    def begin(self, conn, cursor, statement, *args) -> None:  # noqa: ARG002 - event signature
        dbapi_connection = cursor.connection
        if dbapi_connection.in_transaction or not _WRITES.match(statement):
            return
        if not self.lock.acquire(timeout=self.timeout):
            raise sqlite3.OperationalError("database is locked (no turn to write in time)")
        self.holder = dbapi_connection
        try:
            dbapi_connection.execute("BEGIN IMMEDIATE")  # waits for other processes' writers
        except BaseException:
            self.release(dbapi_connection)
            raise

    def release(self, dbapi_connection: sqlite3.Connection) -> None:
        if self.holder is dbapi_connection:
            self.holder = None
            self.lock.release()

    def connection_class(self) -> type[sqlite3.Connection]:
        """pysqlite's connection in WAL mode, with the busy timeout, that hands the lane over
        when its transaction ends."""
        lane = self

        class LaneConnection(sqlite3.Connection):
            def __init__(self, *args, **kwargs) -> None:
                super().__init__(*args, **kwargs)
                self.isolation_level = None  # pysqlite begins nothing: ``begin`` does
                self.execute(f"PRAGMA busy_timeout = {int(lane.timeout * 1000)}")
                self.execute("PRAGMA journal_mode = WAL")

            def commit(self) -> None:
                try:
                    super().commit()
                finally:
                    lane.release(self)

            def rollback(self) -> None:
                try:
                    super().rollback()
                finally:
                    lane.release(self)

            def close(self) -> None:
                try:
                    super().close()
                finally:
                    lane.release(self)

        return LaneConnection


# --- transient faults --------------------------------------------------------------------------

_commit_sent: ContextVar[bool] = ContextVar("conectados_commit_sent", default=False)


def _note_commit(conn) -> None:  # noqa: ARG001 - event signature
    _commit_sent.set(True)


def is_transient(error: BaseException) -> bool:
    """A fault that running the same transaction again may not meet."""
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


def prepare(app: Flask) -> None:
    """Before ``db.init_app``: the engine's options (SQLite: connections in the writer lane)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    timeout = app.config.settings.sqlite_busy_timeout_seconds
    lane = app.extensions["conectados.writer_lane"] = WriterLane(timeout)
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = {**options.get("connect_args", {}), "factory": lane.connection_class()}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "connect_args": connect_args}


def init_app(app: Flask) -> None:
    """After ``db.init_app``: listen to the engine it made."""
    with app.app_context():
        engine = db.engine
    lane = app.extensions.get("conectados.writer_lane")
    if lane is not None:
        event.listen(engine, "before_cursor_execute", lane.begin)
    event.listen(engine, "commit", _note_commit)
