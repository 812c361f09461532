"""After commit, the photos that transaction noted for fetching (an MMS) are announced with
``photo_committed`` (``photo_id``); the workers listen (workers/hooks.py) and enqueue the
fetch, best effort: a photo whose enqueue fails stays pending and the relay enqueues it."""

from __future__ import annotations

import logging

from blinker import Namespace
from flask import Flask
from sqlalchemy import event

from app.extensions import db
from app.models import Photo
from app.photos.service import DOOMED_KEY, forget_person_photos
from app.photos.storage import photo_storage
from app.privacy.anonymize import person_anonymized

log = logging.getLogger(__name__)

signals = Namespace()
photo_committed = signals.signal("photo-committed")
PENDING_KEY = "conectados.new_photos"


def _collect(session, flush_context) -> None:  # noqa: ARG001 - SQLAlchemy's signature
    new = [obj.id for obj in session.new if isinstance(obj, Photo) and obj.status == "pending"]
    if new:
        session.info.setdefault(PENDING_KEY, []).extend(new)


def _forget(session, *args) -> None:  # noqa: ARG001
    session.info.pop(PENDING_KEY, None)
    session.info.pop(DOOMED_KEY, None)


def _delete_committed_removals(session) -> None:
    """Files of photos removed by an anonymization, once it committed (best effort: a file left
    behind is unreachable, its row says removed)."""
    if session.get_nested_transaction() is not None:
        return
    keys = session.info.pop(DOOMED_KEY, [])
    if not keys:
        return
    storage = photo_storage()
    for key in keys:
        try:
            storage.delete(key)
        except Exception:  # noqa: BLE001 - never fail the commit that already happened
            log.warning("could not delete an anonymized photo file", exc_info=True)


def _announce_committed(session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released: the real commit is still to come
    for photo_id in session.info.pop(PENDING_KEY, []):
        photo_committed.send(session, photo_id=photo_id)


def init_app(app: Flask) -> None:  # noqa: ARG001 - db.session is shared by every app
    if not event.contains(db.session, "after_commit", _announce_committed):
        event.listen(db.session, "after_flush", _collect)
        event.listen(db.session, "after_commit", _announce_committed)
        event.listen(db.session, "after_rollback", _forget)
        event.listen(db.session, "after_commit", _delete_committed_removals)
    person_anonymized.connect(forget_person_photos, weak=False)
