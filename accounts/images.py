"""Avatar and banner uploads: checked, then re-encoded so no uploaded byte is ever served back.

Only raster formats Pillow decodes (JPEG, PNG, WebP, GIF) are accepted; SVG and anything else is
refused because it is not one of them. The picture is decoded, rotated upright from its EXIF
orientation, shrunk to fit the slot, and written as a fresh WebP file without metadata (GPS
positions in phone photos stay on the phone).
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
# Decompression bombs: refuse pictures whose pixel count is absurd before decoding them.
MAX_PIXELS = 40_000_000


class ImageRejected(ValueError):
    """The upload is not an acceptable picture; ``str(exc)`` says why, in the user's language."""


@dataclass(frozen=True)
class ImageSlot:
    name: str
    max_bytes: int
    max_size: tuple[int, int]


AVATAR = ImageSlot("avatar", max_bytes=5 * 1024 * 1024, max_size=(512, 512))
BANNER = ImageSlot("banner", max_bytes=8 * 1024 * 1024, max_size=(1600, 600))


def image_reencode(upload: UploadedFile, slot: ImageSlot) -> ContentFile:
    """Check ``upload`` for ``slot`` and return it re-encoded as WebP (raise ImageRejected)."""
    if upload.size is not None and upload.size > slot.max_bytes:
        raise ImageRejected(
            _("The file is too large (at most %(size)d MB).")
            % {"size": slot.max_bytes // (1024 * 1024)}
        )
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageRejected(
            _("Upload a JPEG, PNG, WebP or GIF picture; this file is not one.")
        ) from None
    if image_format not in ACCEPTED_FORMATS:
        raise ImageRejected(_("Upload a JPEG, PNG, WebP or GIF picture; this file is not one."))
    if width * height > MAX_PIXELS:
        raise ImageRejected(_("The picture has too many pixels."))

    # verify() leaves the image unusable: open it again to decode it for real.
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image.seek(0)  # first frame of an animated GIF/WebP
            picture = ImageOps.exif_transpose(image)
            picture = picture.convert("RGBA" if _has_alpha(picture) else "RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageRejected(_("The picture could not be read.")) from None
    picture.thumbnail(slot.max_size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, format="WEBP", quality=85, method=4)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.webp")


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in {"RGBA", "LA", "PA"} or (
        image.mode == "P" and "transparency" in image.info
    )
