"""Checking and preparing uploaded attachments before they are stored.

The type comes from the bytes (magic numbers via ``filetype``), never from the file name or the
client's Content-Type. Images are decoded and re-encoded with Pillow (which drops EXIF/GPS data
and anything smuggled after the image data) and get a thumbnail; everything else is stored as
uploaded, and served only as a download (see the attachment view).
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from core.exceptions import ValidationFailed

IMAGE_TYPES = {
    "image/jpeg": ("JPEG", ".jpg"),
    "image/png": ("PNG", ".png"),
    "image/gif": ("GIF", ".gif"),
    "image/webp": ("WEBP", ".webp"),
}
OTHER_TYPES = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "audio/ogg": ".ogg",
    "audio/x-wav": ".wav",
    "video/mp4": ".mp4",
    "video/webm": ".webm",
    "text/plain": ".txt",
}
THUMBNAIL_SIZE = (320, 320)
# Decompression bombs: a tiny file that decodes to gigapixels. Refuse before decoding.
MAX_IMAGE_PIXELS = 40_000_000
_TEXT_SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class PreparedFile:
    """An upload that passed every check, ready to be written to storage."""

    name: str  # storage name suggestion: only its extension is kept
    original_name: str
    content: bytes
    content_type: str
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None


def allowed_types() -> list[str]:
    return sorted([*IMAGE_TYPES, *OTHER_TYPES])


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(fields={"attachments": [message]})


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # The sample may end inside a multi-byte character.
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    controls = sum(
        1 for char in text if unicodedata.category(char) == "Cc" and char not in "\n\r\t"
    )
    return controls == 0


def sniff(data: bytes) -> str | None:
    """The MIME type the content really has, or None when it is not one we accept."""
    kind = filetype.guess(data[:8192])
    if kind is not None:
        mime = kind.mime
        return mime if mime in IMAGE_TYPES or mime in OTHER_TYPES else None
    return "text/plain" if _looks_like_text(data[:_TEXT_SNIFF_BYTES]) else None


def _clean_name(name: str, extension: str) -> str:
    base = PurePosixPath((name or "").replace("\\", "/")).name
    base = "".join(char for char in base if unicodedata.category(char)[0] != "C").strip()
    stem = PurePosixPath(base).stem[:120] or "attachment"
    return f"{stem}{extension}"


def _reencode_image(data: bytes, pil_format: str) -> tuple[bytes, bytes, int, int]:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            if width * height > MAX_IMAGE_PIXELS:
                raise _refuse(_("The image is too large (at most 40 megapixels)."))
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _refuse(_("The image could not be read.")) from None

    animated = pil_format in {"GIF", "WEBP"} and getattr(image, "is_animated", False)
    output = io.BytesIO()
    if animated:
        image.save(output, format=pil_format, save_all=True)
    else:
        image = ImageOps.exif_transpose(image)
        if pil_format == "JPEG" and image.mode not in {"RGB", "L"}:
            image = image.convert("RGB")
        options: dict = {"JPEG": {"quality": 85, "optimize": True}, "PNG": {"optimize": True}}.get(
            pil_format, {}
        )
        image.save(output, format=pil_format, **options)
    width, height = image.size

    thumb = image.copy()
    if animated:
        thumb.seek(0)
        thumb = thumb.copy()
    thumb = thumb.convert("RGBA" if "A" in thumb.getbands() or thumb.mode == "P" else "RGB")
    thumb.thumbnail(THUMBNAIL_SIZE)
    thumb_output = io.BytesIO()
    thumb.save(thumb_output, format="WEBP", quality=80)
    return output.getvalue(), thumb_output.getvalue(), width, height


def prepare(upload: UploadedFile) -> PreparedFile:
    """Check one upload (size, sniffed type) and re-encode it when it is an image.

    Raises ``ValidationFailed`` (field ``attachments``) for anything we refuse.
    """
    limit = settings.MESSAGING_ATTACHMENT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise _refuse(
            _("“%(name)s” is larger than %(limit)s.")
            % {"name": upload.name, "limit": filesizeformat(limit)}
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _refuse(
            _("“%(name)s” is larger than %(limit)s.")
            % {"name": upload.name, "limit": filesizeformat(limit)}
        )
    if not data:
        raise _refuse(_("“%(name)s” is empty.") % {"name": upload.name})
    mime = sniff(data)
    if mime is None:
        raise _refuse(
            _("“%(name)s” is not a supported file type.") % {"name": upload.name}
            + " "
            + _("Send images, PDF, office documents, audio, video or plain text.")
        )
    if mime in IMAGE_TYPES:
        pil_format, extension = IMAGE_TYPES[mime]
        content, thumbnail, width, height = _reencode_image(data, pil_format)
        return PreparedFile(
            name=f"file{extension}",
            original_name=_clean_name(upload.name, extension),
            content=content,
            content_type=mime,
            width=width,
            height=height,
            thumbnail=thumbnail,
        )
    extension = OTHER_TYPES[mime]
    return PreparedFile(
        name=f"file{extension}",
        original_name=_clean_name(upload.name, extension),
        content=data,
        content_type=mime,
    )


def prepare_all(uploads: list[UploadedFile] | tuple[UploadedFile, ...]) -> list[PreparedFile]:
    limit = settings.MESSAGING_ATTACHMENTS_PER_MESSAGE
    if len(uploads) > limit:
        raise _refuse(_("At most %(count)d files per message.") % {"count": limit})
    return [prepare(upload) for upload in uploads]
