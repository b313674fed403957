"""The one image pipeline: every uploaded picture (avatar, banner, offer image, chat attachment).

A picture is trusted by no byte of its own: its size is capped before it is read, its format is
sniffed by Pillow from the bytes (never the name or Content-Type), its pixel count is capped before
it is decoded (decompression bombs), and it is re-encoded from the decoded pixels, which drops
EXIF/GPS metadata and anything smuggled after the image data. Only JPEG, PNG, WebP and GIF are
accepted; SVG, BMP and everything else are refused.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from typing import IO, Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
MAX_PIXELS = 40_000_000
_DECODE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    Image.DecompressionBombError,
)


# Encoder settings per output format: good quality at a fraction of a camera's size.
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "WEBP": {"quality": 85, "method": 4},
    "JPEG": {"quality": 85, "optimize": True},
    "PNG": {"optimize": True},
}


class ImageRejected(ValueError):
    """The upload is not an acceptable picture; ``str(exc)`` says why, in the user's language."""


@dataclass(frozen=True)
class ImageLimits:
    """What one kind of picture may be: bytes on the way in, and the box it is shrunk to fit.

    ``max_size=None`` keeps the picture's own dimensions (chat attachments).
    """

    max_bytes: int
    max_size: tuple[int, int] | None = None
    max_pixels: int = MAX_PIXELS


@dataclass(frozen=True)
class PreparedImage:
    """A picture that passed every check, re-encoded, ready to be written to storage."""

    content: bytes
    format: str  # Pillow's name: WEBP, JPEG, PNG, GIF
    width: int
    height: int
    thumbnail: bytes | None = None  # WebP, when one was asked for

    @property
    def extension(self) -> str:
        return ACCEPTED_FORMATS[self.format]

    @property
    def content_type(self) -> str:
        return f"image/{self.format.lower()}"

    def as_file(self) -> ContentFile:
        """The picture as a Django file with a random name (no uploaded name reaches storage)."""
        return ContentFile(self.content, name=f"{uuid.uuid4().hex}{self.extension}")


def _not_a_picture() -> ImageRejected:
    return ImageRejected(_("Upload a JPEG, PNG, WebP or GIF picture; this file is not one."))


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in {"RGBA", "LA", "PA"} or (
        image.mode == "P" and "transparency" in image.info
    )


def _read_capped(source: bytes | IO[bytes], max_bytes: int) -> bytes:
    if isinstance(source, bytes):
        data = source
    else:
        size = getattr(source, "size", None)
        if size is not None and size > max_bytes:
            raise _too_large(max_bytes)
        source.seek(0)
        data = source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    return data


def _too_large(max_bytes: int) -> ImageRejected:
    return ImageRejected(
        _("The file is too large (at most %(size)d MB).") % {"size": max_bytes // (1024 * 1024)}
    )


def image_prepare(
    source: bytes | IO[bytes],
    *,
    limits: ImageLimits,
    as_webp: bool = True,
    keep_animation: bool = False,
    thumbnail_size: tuple[int, int] | None = None,
) -> PreparedImage:
    """Check a picture and return it re-encoded; raise ``ImageRejected`` with the reason.

    ``as_webp`` writes WebP whatever came in (profile and offer pictures); otherwise the picture
    keeps its own format. ``keep_animation`` keeps every frame of an animated GIF/WebP (chat);
    without it the first frame is kept. ``thumbnail_size`` adds a WebP thumbnail.
    """
    data = _read_capped(source, limits.max_bytes)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format
            width, height = probe.size
            if image_format in ACCEPTED_FORMATS and width * height > limits.max_pixels:
                raise ImageRejected(_("The picture has too many pixels."))
            probe.verify()
    except ImageRejected:
        raise
    except _DECODE_ERRORS:
        raise _not_a_picture() from None
    if image_format not in ACCEPTED_FORMATS:
        raise _not_a_picture()

    # verify() leaves the image unusable: open it again to decode it for real.
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
        animated = keep_animation and bool(getattr(image, "is_animated", False))
        output = io.BytesIO()
        if animated and image_format in {"GIF", "WEBP"}:
            out_format = image_format
            image.save(output, format=out_format, save_all=True)
            picture = image.copy()
            picture.seek(0)
        else:
            image.seek(0)
            picture = ImageOps.exif_transpose(image)
            out_format = "WEBP" if as_webp else image_format
            if out_format in {"WEBP", "PNG", "GIF"}:
                picture = picture.convert("RGBA" if _has_alpha(picture) else "RGB")
            else:
                picture = picture.convert("RGB")
            if limits.max_size is not None:
                picture.thumbnail(limits.max_size, Image.Resampling.LANCZOS)
            picture.save(output, format=out_format, **_SAVE_OPTIONS.get(out_format, {}))
        width, height = picture.size
        thumbnail = None
        if thumbnail_size is not None:
            thumb = picture.convert("RGBA" if _has_alpha(picture) else "RGB")
            thumb.thumbnail(thumbnail_size)
            thumb_output = io.BytesIO()
            thumb.save(thumb_output, format="WEBP", quality=80)
            thumbnail = thumb_output.getvalue()
    except _DECODE_ERRORS:
        raise ImageRejected(_("The picture could not be read.")) from None
    return PreparedImage(
        content=output.getvalue(),
        format=out_format,
        width=width,
        height=height,
        thumbnail=thumbnail,
    )
