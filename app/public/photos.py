"""Published photos, for everyone: only the public copy of a photo staff published, of a
ticket whose category is not sensitive. Named by a random token, cached by anyone."""

from __future__ import annotations

from flask import Response, abort
from sqlalchemy import select

from app.extensions import db
from app.models import Photo
from app.photos.service import published_where
from app.photos.storage import MissingFile, photo_storage
from app.public.blueprint import bp

PUBLIC_CACHE = "public, max-age=86400"


@bp.get("/fotos/<token>.jpg")
def public_photo(token: str):
    photo = db.session.scalar(select(Photo).where(Photo.token == token, published_where()))
    if photo is None:
        abort(404)
    try:
        data = photo_storage().get(photo.public_key)
    except (MissingFile, ValueError):
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return response
