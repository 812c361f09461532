"""Photos chosen in a form (web form, counter): read, checked and cleaned before anything is
written. A refusal names the file and says why; the form keeps everything else typed."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage
from wtforms import Field, MultipleFileField

from app.photos.images import ACCEPT, TOO_MANY, CleanImage, PhotoRefused, clean
from config.settings import settings

FIELD = "photos"
# The forms whose requests may carry photos (their size limit is raised: see app/inputs.py).
UPLOAD_ENDPOINTS = frozenset({"web.new_request", "staff.counter"})


def photos_field() -> MultipleFileField:
    return MultipleFileField(
        _l("Fotos (opcional)"),
        description=_l(
            "Hasta 3 fotos JPEG, PNG, WebP o HEIC de 10 MB cada una. Quitamos de ellas la "
            "ubicación y los demás datos ocultos. Solo el personal municipal las ve, salvo "
            "que decida publicar una sin caras, patentes ni números de casa."
        ),
        render_kw={"accept": ACCEPT},
    )


def upload_request_limit() -> int:
    """The largest request a form with photos may send: every photo at its largest, plus the
    form's text."""
    config = settings()
    return (config.photo_max_count * config.photo_max_mb + 2) * 1024 * 1024


def _name(upload: FileStorage) -> str:
    name = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return name[:80] or _("sin nombre")


def chosen_photos(field: Field) -> list[CleanImage] | None:
    """The cleaned photos of this request, or None when one is refused (the reason is put on
    ``field``). An empty file input sends one part with no name: that is no photo."""
    config = settings()
    uploads = [u for u in request.files.getlist(FIELD) if u and u.filename]
    max_bytes = config.photo_max_mb * 1024 * 1024
    try:
        if len(uploads) > config.photo_max_count:
            raise PhotoRefused(TOO_MANY, n=config.photo_max_count)
        return [clean(u.stream.read(max_bytes + 1), _name(u), max_bytes) for u in uploads]
    except PhotoRefused as refusal:
        field.errors = [
            *field.errors,
            _(refusal.message, **refusal.params),
            _("Vuelva a elegir las fotos: por seguridad el navegador no las guarda."),
        ]
        return None


def photo_location(images: list[CleanImage]) -> tuple[float, float] | None:
    return next((image.gps for image in images if image.gps), None)
