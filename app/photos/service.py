"""What may be done with a ticket's photos: attach cleaned ones, note the ones an MMS brought
(fetched later by a worker), publish one for everyone, withdraw it.

Privacy: every photo is staff-only until a staff member of the ticket's unit publishes it
(they look for faces, plates and house numbers first). Photos of a sensitive category are never
published. Files are written before the rows: a transaction that rolls back leaves an unnamed
file behind, never a row without its file.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Category, Photo, Ticket, utcnow
from app.models.photos import new_token
from app.photos.images import CleanImage
from app.photos.storage import Storage
from app.tickets.errors import N_, ValidationFailed
from app.tickets.permissions import Actor, require

SENSITIVE = N_("Las fotos de este tema no se publican: protegen a las personas involucradas.")
NOT_STORED = N_("Esta foto todavía no está disponible.")


def attach(
    session: Session, storage: Storage, ticket: Ticket, images: Iterable[CleanImage], source: str
) -> list[Photo]:
    photos = []
    for image in images:
        photo = Photo(
            ticket_id=ticket.id,
            token=new_token(),
            source=source,
            status="stored",
            width=image.width,
            height=image.height,
            size_bytes=len(image.full),
        )
        storage.put(photo.key, image.full)
        storage.put(photo.thumb_key, image.thumb)
        session.add(photo)
        photos.append(photo)
    session.flush()
    return photos


def note_remote(session: Session, ticket: Ticket, urls: Iterable[str], source: str) -> list[Photo]:
    """Photos to fetch (an MMS): rows now, files when a worker has fetched them."""
    photos = [
        Photo(
            ticket_id=ticket.id,
            token=new_token(),
            source=source,
            status="pending",
            source_url=url,
            attempts=0,
        )
        for url in urls
    ]
    session.add_all(photos)
    session.flush()
    return photos


def store_fetched(session: Session, storage: Storage, photo: Photo, image: CleanImage) -> None:
    storage.put(photo.key, image.full)
    storage.put(photo.thumb_key, image.thumb)
    photo.status, photo.width, photo.height = "stored", image.width, image.height
    photo.size_bytes, photo.last_error, photo.next_attempt_at = len(image.full), None, None
    session.flush()


def publish(
    session: Session, storage: Storage, photo: Photo, actor: Actor, now: datetime | None = None
) -> None:
    """Everyone may see it from now on (a public copy, on the tracking page and in Open311)."""
    ticket = photo.ticket
    require(actor, "summarize", ticket)  # staff of the ticket's unit (and admins)
    if ticket.category.sensitive:
        raise ValidationFailed(SENSITIVE)
    if photo.status != "stored":
        raise ValidationFailed(NOT_STORED)
    if photo.published_at is None:
        storage.put(photo.public_key, storage.get(photo.key))
        photo.published_at, photo.published_by_id = now or utcnow(), actor.user_id
        session.flush()


def withdraw(session: Session, storage: Storage, photo: Photo, actor: Actor) -> None:
    """Back to staff-only: the public copy is deleted."""
    require(actor, "summarize", photo.ticket)
    if photo.published_at is not None:
        storage.delete(photo.public_key)
        photo.published_at, photo.published_by_id = None, None
        session.flush()


REMOVED = "removed"  # anonymized: the row stays (counts), the files are gone
DOOMED_KEY = "conectados.photo_files_to_delete"


def forget_person_photos(session: Session, *, person, **_: object) -> None:
    """A person is anonymized (app/privacy/anonymize.py): their tickets' photos go too. The rows
    are marked removed now; the files are deleted once that commits (photos/hooks.py), so a
    rolled-back anonymization loses nothing."""
    photos = session.scalars(
        select(Photo)
        .join(Ticket, Ticket.id == Photo.ticket_id)
        .where(Ticket.person_id == person.id, Photo.status != REMOVED)
    ).all()
    doomed = session.info.setdefault(DOOMED_KEY, [])
    for photo in photos:
        doomed.extend([photo.key, photo.thumb_key])
        if photo.published_at is not None:
            doomed.append(photo.public_key)
        photo.status, photo.source_url = REMOVED, None
        photo.published_at, photo.published_by_id = None, None
    session.flush()


def of_ticket(session: Session, ticket_id: int) -> list[Photo]:
    return list(
        session.scalars(select(Photo).where(Photo.ticket_id == ticket_id).order_by(Photo.id))
    )


def published_where():
    """Photos anyone may see: published, of a ticket whose category is not sensitive."""
    sensitive = select(Category.id).where(Category.sensitive.is_(True))
    return (
        Photo.published_at.is_not(None)
        & (Photo.status == "stored")
        & Photo.ticket_id.in_(select(Ticket.id).where(Ticket.category_id.not_in(sensitive)))
    )


def published(session: Session, ticket_id: int) -> list[Photo]:
    return list(
        session.scalars(
            select(Photo).where(Photo.ticket_id == ticket_id, published_where()).order_by(Photo.id)
        )
    )


def published_tokens(session: Session, ticket_ids: list[int]) -> dict[int, str]:
    """The first published photo of each ticket (Open311's one ``media_url``), in one query."""
    if not ticket_ids:
        return {}
    rows = session.execute(
        select(Photo.ticket_id, Photo.token)
        .where(Photo.ticket_id.in_(ticket_ids), published_where())
        .order_by(Photo.ticket_id, Photo.id)
    )
    first: dict[int, str] = {}
    for ticket_id, token in rows:
        first.setdefault(ticket_id, token)
    return first
