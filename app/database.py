"""The engine, session and transaction boundary: how a request's work reaches the database.

**SQLite (the embedded default)** runs in WAL mode (readers never block the writer) with a
busy timeout that is really waited. pysqlite's own transaction handling is off: reads run
outside any transaction (each statement sees the latest commit, like Postgres' READ
COMMITTED) and the first write of a transaction (INSERT/UPDATE/DELETE, a SAVEPOINT, DDL)
opens it with ``BEGIN IMMEDIATE``, which takes the write lock at once and so waits for the
other writer. A *deferred* transaction that read first and then writes would get
``database is locked`` at once instead: SQLite skips the busy handler there to avoid a
deadlock.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

DEFAULT_BUSY_TIMEOUT_SECONDS = 10
# Statements that need the write lock: the transaction that runs them starts IMMEDIATE.
_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|SAVEPOINT|CREATE|DROP|ALTER)\b", re.I)


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


def init_app(app: Flask) -> None:
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    configure_sqlite(
        engine, float(app.config.get("SQLITE_BUSY_TIMEOUT_SECONDS", DEFAULT_BUSY_TIMEOUT_SECONDS))
    )
