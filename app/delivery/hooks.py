"""After commit, the outbox rows that transaction wrote are handed to whoever delivers them.

SQLAlchemy listeners on the shared session note the new Notification rows at each flush, forget
them on rollback, and after the real commit (not a savepoint's) send ``notification_committed``
once per row, with ``notification_id``, ``channel`` and ``not_before``. The workers listen
(workers/hooks.py) and enqueue a delivery job, best effort: a row whose enqueue fails stays
pending and the periodic relay enqueues it later.
"""

from __future__ import annotations

from blinker import Namespace
from flask import Flask
from sqlalchemy import event

from app.extensions import db
from app.models import Notification

signals = Namespace()
notification_committed = signals.signal("notification-committed")
PENDING_KEY = "conectados.new_notifications"


def _collect(session, flush_context) -> None:  # noqa: ARG001 - SQLAlchemy's signature
    new = [obj for obj in session.new if isinstance(obj, Notification)]
    if new:
        session.info.setdefault(PENDING_KEY, []).extend(
            (n.id, n.channel, n.next_attempt_at) for n in new
        )


def _forget(session, *args) -> None:  # noqa: ARG001
    session.info.pop(PENDING_KEY, None)


def _announce_committed(session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released: the real commit is still to come
    for notification_id, channel, not_before in session.info.pop(PENDING_KEY, []):
        notification_committed.send(
            session, notification_id=notification_id, channel=channel, not_before=not_before
        )


def init_app(app: Flask) -> None:  # noqa: ARG001 - db.session is shared by every app
    """Listen once per process, whatever the number of apps made in it."""
    if not event.contains(db.session, "after_commit", _announce_committed):
        event.listen(db.session, "after_flush", _collect)
        event.listen(db.session, "after_commit", _announce_committed)
        event.listen(db.session, "after_rollback", _forget)
