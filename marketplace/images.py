"""Offer pictures: decoded and re-encoded, so no uploaded byte is ever served back.

Only raster formats Pillow decodes (JPEG, PNG, WebP, GIF) are accepted; anything else (SVG, a
renamed PDF) is refused. The picture is checked against a size and a pixel cap (decompression
bombs), turned upright from its EXIF orientation, shrunk to fit, and written as a fresh WebP file
without metadata (GPS positions in phone photos stay on the phone).
"""

from __future__ import annotations

import io
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_PIXELS = 40_000_000


class ImageRejected(ValueError):
    """The upload is not an acceptable picture; ``str(exc)`` says why, in the user's language."""


def _not_a_picture() -> ImageRejected:
    return ImageRejected(_("Upload a JPEG, PNG, WebP or GIF picture; this file is not one."))


def offer_image_reencode(upload: UploadedFile) -> tuple[ContentFile, int, int]:
    """Check an offer picture; return it re-encoded as WebP with its width and height."""
    max_bytes = int(settings.MARKETPLACE_IMAGE_MAX_BYTES)
    if upload.size is not None and upload.size > max_bytes:
        raise ImageRejected(
            _("The file is too large (at most %(size)d MB).") % {"size": max_bytes // 2**20}
        )
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _not_a_picture() from None
    if image_format not in ACCEPTED_FORMATS:
        raise _not_a_picture()
    if width * height > MAX_PIXELS:
        raise ImageRejected(_("The picture has too many pixels."))

    # verify() leaves the image unusable: open it again to decode it for real.
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image.seek(0)  # the first frame of an animation
            picture = ImageOps.exif_transpose(image)
            alpha = picture.mode in {"RGBA", "LA", "PA"} or (
                picture.mode == "P" and "transparency" in picture.info
            )
            picture = picture.convert("RGBA" if alpha else "RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageRejected(_("The picture could not be read.")) from None
    side = int(settings.MARKETPLACE_IMAGE_MAX_SIDE)
    picture.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, format="WEBP", quality=85, method=4)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.webp"), *picture.size
