"""Hostile uploads to every endpoint that takes files: refused cleanly (a 400 in the error shape,
never a 500), nothing stored, no table changed; an image that is valid is re-encoded, so bytes
appended to it (a GIF/JS polyglot) never reach the disk.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.api_fuzz.conftest import changed_tables, fingerprint
from tests.marketplace.factories import make_offer
from tests.messaging.factories import pair_thread

SCRIPT = b"*/=1;alert(document.domain)//"


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(side: int = 60000) -> bytes:
    """A tiny PNG claiming side × side pixels (3.6 billion): only opening it is safe."""
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    body = zlib.compress(b"\x00" * 1024, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", body)
        + png_chunk(b"IEND", b"")
    )


def valid_gif_with_script() -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (8, 8), 3).save(buffer, format="GIF")
    return buffer.getvalue() + SCRIPT


HOSTILE = {
    # A GIF header that is also JavaScript: not a picture at all.
    "gif/js polyglot": ("polyglot.gif", b"GIF89a/*" + b"\x00" * 32 + SCRIPT, "image/gif"),
    "decompression bomb": ("bomb.png", bomb_png(), "image/png"),
    "oversized": ("huge.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (11 * 1024 * 1024), "image/png"),
    "html labelled png": ("page.png", b"<html><script>alert(1)</script></html>", "image/png"),
    "script labelled gif": ("x.gif", b"alert(1)//" + b" " * 64, "image/gif"),
}


@pytest.fixture
def member_world(user):
    from tests.exchanges.factories import expert

    peer = expert()
    return {
        "offer": make_offer(owner=user),
        "thread": pair_thread(user, peer),
    }


def upload_to(client, target: str, world, name: str, content: bytes, content_type: str):
    file = SimpleUploadedFile(name, content, content_type=content_type)
    if target == "offer images":
        return client.post(
            f"/api/v1/offers/{world['offer'].pk}/images/", {"images": [file]}, format="multipart"
        )
    if target == "message attachment":
        return client.post(
            f"/api/v1/messages/{world['thread'].pk}/",
            {"content": "look", "attachments": [file]},
            format="multipart",
        )
    return client.patch("/api/v1/auth/profile/", {"avatar": file}, format="multipart")


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


TARGETS = ["offer images", "message attachment", "avatar"]
MISLABELLED = ("html labelled png", "script labelled gif")
# Chat attachments may be any file: a mislabelled one is kept as what it really is (below).
REFUSALS = [
    (kind, target)
    for kind in HOSTILE
    for target in TARGETS
    if not (target == "message attachment" and kind in MISLABELLED)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "target"), REFUSALS)
def test_a_hostile_upload_is_refused_and_changes_nothing(auth_client, member_world, target, kind):
    # given a member's offer and thread, and what is stored now
    name, content, content_type = HOSTILE[kind]
    before, files_before = fingerprint(), stored_files()

    # when the hostile file is uploaded
    response = upload_to(auth_client, target, member_world, name, content, content_type)

    # then it is a clean 400 (413 for a body too large), nothing stored, nothing changed
    assert response.status_code in (400, 413), response.content[:300]
    assert "error" in response.json()
    assert changed_tables(before, fingerprint()) == []
    assert stored_files() == files_before


@pytest.mark.django_db
@pytest.mark.parametrize("target", TARGETS)
def test_script_appended_to_a_valid_gif_never_reaches_the_disk(auth_client, member_world, target):
    # given a real GIF with JavaScript appended after its trailer
    content = valid_gif_with_script()

    # when it is uploaded
    response = upload_to(auth_client, target, member_world, "cat.gif", content, "image/gif")

    # then it is refused, or stored re-encoded: no stored file holds the script
    assert response.status_code in (200, 201, 400), response.content[:300]
    assert [path for path in stored_files() if SCRIPT in path.read_bytes()] == []


@pytest.mark.django_db
@pytest.mark.parametrize("kind", MISLABELLED)
def test_a_mislabelled_chat_attachment_is_kept_as_what_it_is_and_never_rendered(
    auth_client, member_world, kind
):
    # given a script or page that claims to be a picture
    name, content, content_type = HOSTILE[kind]

    # when it is attached to a message and then downloaded
    target = "message attachment"
    response = upload_to(auth_client, target, member_world, name, content, content_type)
    (attachment,) = response.json()["attachments"]
    download = auth_client.get(attachment["url"])

    # then the label was not believed: plain text, downloaded as a file, never sniffed
    assert response.status_code == 201
    assert attachment["content_type"] == "text/plain"
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/plain")
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
