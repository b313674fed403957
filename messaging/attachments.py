"""Checking and preparing uploaded attachments before they are stored.

The type comes from the bytes (magic numbers via ``filetype``), never from the file name or the
client's Content-Type. Images go through the platform's one image pipeline
(``core.images.image_prepare``: pixel cap, re-encoded in their own format with every animation
frame, EXIF/GPS and anything smuggled after the image data dropped, a WebP thumbnail); everything
else is stored as uploaded, and served only as a download (see the attachment view).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from core.exceptions import ValidationFailed
from core.images import MAX_PIXELS, ImageLimits, ImageRejected, image_prepare

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
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


def _image_limits() -> ImageLimits:
    # Chat pictures keep their own dimensions; decompression bombs are refused before decoding.
    return ImageLimits(
        max_bytes=settings.MESSAGING_ATTACHMENT_MAX_BYTES,
        max_size=None,
        max_pixels=getattr(settings, "MESSAGING_ATTACHMENT_MAX_PIXELS", MAX_PIXELS),
    )


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
        try:
            picture = image_prepare(
                data,
                limits=_image_limits(),
                as_webp=False,
                keep_animation=True,
                thumbnail_size=THUMBNAIL_SIZE,
            )
        except ImageRejected as rejected:
            raise _refuse(str(rejected)) from None
        return PreparedFile(
            name=f"file{picture.extension}",
            original_name=_clean_name(upload.name, picture.extension),
            content=picture.content,
            content_type=picture.content_type,
            width=picture.width,
            height=picture.height,
            thumbnail=picture.thumbnail,
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
