"""Messaging test helpers: threads and messages are made through the services, like the API does."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import User
from messaging import services
from messaging.models import Message, Thread


def pair_thread(user_a: User, user_b: User) -> Thread:
    return services.thread_get_or_create_for_pair(user_a=user_a, user_b=user_b)


def send(thread: Thread, sender: User, content: str = "Hello", **kwargs) -> Message:
    return services.message_send(thread=thread, sender=sender, content=content, **kwargs)


def png_bytes(size: tuple[int, int] = (640, 480), color: str = "teal", mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_with_exif(size: tuple[int, int] = (800, 600)) -> bytes:
    image = Image.new("RGB", size, "orange")
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0131] = "GPS-Leaking-Software"  # Software
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
