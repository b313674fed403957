"""Attachments: multipart upload, type by content, size limit, re-encoding, member downloads."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from messaging.models import Attachment, Message
from tests.accounts.factories import UserFactory
from tests.messaging.factories import PDF_BYTES, jpeg_with_exif, pair_thread, png_bytes, upload

pytestmark = pytest.mark.django_db


def _post(client, thread, files, content="see attached"):
    return client.post(
        f"/api/v1/messages/{thread.pk}/",
        {"content": content, "attachments": files},
        format="multipart",
    )


def test_image_is_re_encoded_without_exif_and_gets_a_thumbnail(make_auth_client):
    # given
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    original = jpeg_with_exif((800, 600))

    # when
    response = _post(make_auth_client(ann), thread, [upload("holiday.JPG", original, "image/jpeg")])

    # then
    assert response.status_code == 201
    (described,) = response.json()["attachments"]
    attachment = Attachment.objects.get()
    assert described == {
        "id": attachment.pk,
        "name": "holiday.jpg",
        "content_type": "image/jpeg",
        "size": attachment.size,
        "width": 800,
        "height": 600,
        "url": f"/api/v1/messages/{thread.pk}/attachments/{attachment.pk}",
        "thumbnail_url": f"/api/v1/messages/{thread.pk}/attachments/{attachment.pk}/thumbnail",
    }
    with attachment.file.open("rb") as stored:
        data = stored.read()
    assert data != original
    assert b"SecretCam" not in data
    assert "holiday" not in attachment.file.name
    assert attachment.file.name.endswith(".jpg")
    with attachment.thumbnail.open("rb") as thumb, Image.open(thumb) as image:
        assert image.format == "WEBP"
        assert max(image.size) == 320


def test_type_comes_from_the_content_not_the_name(make_auth_client):
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)

    response = _post(make_auth_client(ann), thread, [upload("notes.png", PDF_BYTES, "image/png")])

    assert response.status_code == 201
    (described,) = response.json()["attachments"]
    assert (described["content_type"], described["name"]) == ("application/pdf", "notes.pdf")
    assert described["thumbnail_url"] is None


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("cat.png", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64),
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 60),
        ("page.png", b"\x89PNG\r\n\x1a\n" + b"not really a png" * 4),
        ("blob.bin", bytes(range(256)) * 4),
    ],
)
def test_refused_types_store_nothing(make_auth_client, name, content):
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)

    response = _post(make_auth_client(ann), thread, [upload(name, content)])

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["attachments"]
    assert Message.objects.count() == Attachment.objects.count() == 0


def test_plain_text_is_accepted_and_served_as_a_download(make_auth_client):
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    text = "ملاحظات الدرس\nLesson notes\n".encode()

    response = _post(make_auth_client(ann), thread, [upload("notes.txt", text, "text/html")])
    download = make_auth_client(bob).get(response.json()["attachments"][0]["url"])

    assert response.json()["attachments"][0]["content_type"] == "text/plain"
    assert download.status_code == 200
    assert download["Content-Type"] == "text/plain"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == text


def test_size_limit(make_auth_client, settings):
    settings.MESSAGING_ATTACHMENT_MAX_BYTES = 1000
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)

    response = _post(make_auth_client(ann), thread, [upload("big.pdf", PDF_BYTES + b" " * 1000)])

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["attachments"] == [
        "“big.pdf” is larger than 1000\xa0bytes."
    ]
    assert Message.objects.count() == 0


def test_too_many_files(make_auth_client, settings):
    settings.MESSAGING_ATTACHMENTS_PER_MESSAGE = 2
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)

    files = [upload(f"{i}.pdf", PDF_BYTES) for i in range(3)]
    response = _post(make_auth_client(ann), thread, files)

    assert response.status_code == 400
    assert Attachment.objects.count() == 0


def test_decompression_bomb_is_refused(make_auth_client):
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    bomb = png_bytes((8000, 6000), mode="1")

    response = _post(make_auth_client(ann), thread, [upload("bomb.png", bomb)])

    assert response.status_code == 400
    # then: the one image pipeline's reason (core.images); nothing stored
    assert response.json()["error"]["fields"]["attachments"] == ["The picture has too many pixels."]
    assert (Attachment.objects.count(), Message.objects.count()) == (0, 0)


def test_attachment_only_message_and_post_messages_multipart(make_auth_client):
    ann, bob = UserFactory(), UserFactory()

    response = make_auth_client(ann).post(
        "/api/v1/messages/",
        {"receiver_id": bob.pk, "attachments": [upload("a.png", png_bytes())]},
        format="multipart",
    )

    assert response.status_code == 201
    assert response.json()["content"] == ""
    assert len(response.json()["attachments"]) == 1


def test_only_members_download_attachments_and_thumbnails(make_auth_client):
    # given
    ann, bob, eve = UserFactory(), UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    described = _post(make_auth_client(ann), thread, [upload("x.png", png_bytes())]).json()[
        "attachments"
    ][0]

    # when
    member = make_auth_client(bob).get(described["url"])
    thumbnail = make_auth_client(bob).get(described["thumbnail_url"])
    outsider = make_auth_client(eve).get(described["url"])
    outsider_thumbnail = make_auth_client(eve).get(described["thumbnail_url"])
    wrong_thread = make_auth_client(ann).get(
        described["url"].replace(f"/{thread.pk}/", f"/{pair_thread(ann, eve).pk}/")
    )

    # then
    assert member.status_code == 200
    assert member["Content-Type"] == "image/png"
    assert member["Content-Disposition"].startswith("inline;")
    with Image.open(io.BytesIO(b"".join(member.streaming_content))) as image:
        assert image.size == (640, 480)
    assert thumbnail.status_code == 200
    assert thumbnail["Content-Type"] == "image/webp"
    assert outsider.status_code == outsider_thumbnail.status_code == wrong_thread.status_code == 404
    assert outsider.json()["error"]["code"] == "not_found"


def test_deleting_a_message_removes_its_files_after_commit(
    make_auth_client, django_capture_on_commit_callbacks
):
    # given
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    client = make_auth_client(ann)
    with_file = _post(client, thread, [upload("x.png", png_bytes())]).json()
    stored = Attachment.objects.get()
    storage, names = stored.file.storage, [stored.file.name, stored.thumbnail.name]
    assert all(storage.exists(name) for name in names)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(f"/api/v1/messages/{thread.pk}/{with_file['id']}/")

    # then
    assert response.json()["attachments"] == []
    assert Attachment.objects.count() == 0
    assert not any(storage.exists(name) for name in names)
    assert make_auth_client(bob).get(with_file["attachments"][0]["url"]).status_code == 404
