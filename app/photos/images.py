"""Checking and cleaning an image: by its content (Pillow opens it), never by its name.

What is kept is a new JPEG drawn from the pixels alone: bounded to ``MAX_SIDE`` pixels, turned
upright, with no metadata at all (no EXIF, no GPS, no camera, no ICC profile, no comments),
and a thumbnail. A location found in the EXIF is read first, so the form may offer it as the
request's place when the resident asks for it.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

from app.tickets.errors import N_, ValidationFailed

pillow_heif.register_heif_opener()  # HEIC/HEIF from iPhones

FORMATS = {"JPEG", "PNG", "WEBP", "HEIF"}
ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif"
MAX_SIDE = 1600
THUMB_SIDE = 320
MAX_PIXELS = 50_000_000  # a decompression bomb is refused before it is decoded
QUALITY = 85
GPS_IFD = 0x8825

NOT_AN_IMAGE = N_(
    "El archivo «%(name)s» no es una foto que podamos leer: use JPEG, PNG, WebP o HEIC."
)
TOO_LARGE = N_("La foto «%(name)s» pesa más de %(mb)s MB: elija una más liviana.")
TOO_MANY = N_("Puede adjuntar hasta %(n)s fotos.")


@dataclass(frozen=True)
class CleanImage:
    full: bytes
    thumb: bytes
    width: int
    height: int
    gps: tuple[float, float] | None  # (lat, lon) read before cleaning; never stored with it


class PhotoRefused(ValidationFailed):
    """Not an image we take (the message names the file)."""

    def __init__(self, message: str, **params) -> None:
        super().__init__(message, field="photos")
        self.params = params


def _rational(value) -> float:
    return float(value[0]) / float(value[1]) if isinstance(value, tuple) else float(value)


def _degrees(dms, ref) -> float | None:
    try:
        degrees, minutes, seconds = (_rational(v) for v in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    return -value if str(ref).upper() in ("S", "W") else value


def exif_location(image: Image.Image) -> tuple[float, float] | None:
    """(lat, lon) from the EXIF GPS block, when it has a sensible one."""
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
    except Exception:  # noqa: BLE001 - a damaged EXIF block is ignored, not an error
        return None
    if not gps or 2 not in gps or 4 not in gps:
        return None
    lat, lon = _degrees(gps[2], gps.get(1, "N")), _degrees(gps[4], gps.get(3, "E"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return round(lat, 6), round(lon, 6)


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=QUALITY, optimize=True)
    return out.getvalue()


def clean(data: bytes, name: str, max_bytes: int) -> CleanImage:
    """The cleaned image, or ``PhotoRefused`` with a message for the resident."""
    if len(data) > max_bytes:
        raise PhotoRefused(TOO_LARGE, name=name, mb=max_bytes // (1024 * 1024))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            source = Image.open(io.BytesIO(data))
            if source.format not in FORMATS or source.width * source.height > MAX_PIXELS:
                raise PhotoRefused(NOT_AN_IMAGE, name=name)
            gps = exif_location(source)
            upright = ImageOps.exif_transpose(source)
            upright.load()
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise PhotoRefused(NOT_AN_IMAGE, name=name) from error
    rgb = upright.convert("RGBA").convert("RGB") if upright.mode != "RGB" else upright
    rgb.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # A new image from the pixels only: nothing of the original's info dict comes along.
    pixels = Image.new("RGB", rgb.size)
    pixels.paste(rgb)
    thumb = pixels.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    return CleanImage(_jpeg(pixels), _jpeg(thumb), pixels.width, pixels.height, gps)
