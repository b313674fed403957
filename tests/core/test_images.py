"""core.images.image_prepare: the one pipeline every uploaded picture passes."""

import io

import pytest
from PIL import Image

from core.images import ImageLimits, ImageRejected, image_prepare

LIMITS = ImageLimits(max_bytes=2 * 1024 * 1024, max_size=(64, 64))


def _picture(fmt: str = "PNG", size: tuple[int, int] = (200, 100), **save: object) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def test_png_becomes_a_webp_shrunk_to_fit():
    prepared = image_prepare(_picture(), limits=LIMITS)

    assert prepared.format == "WEBP"
    assert (prepared.width, prepared.height) == (64, 32)
    assert prepared.extension == ".webp"
    assert prepared.content_type == "image/webp"
    assert Image.open(io.BytesIO(prepared.content)).format == "WEBP"


def test_own_format_is_kept_when_asked_and_a_thumbnail_is_made():
    prepared = image_prepare(
        _picture("JPEG"),
        limits=ImageLimits(max_bytes=2**21),
        as_webp=False,
        thumbnail_size=(20, 20),
    )

    assert prepared.format == "JPEG"
    assert (prepared.width, prepared.height) == (200, 100)
    assert Image.open(io.BytesIO(prepared.thumbnail)).size == (20, 10)


def test_exif_metadata_is_stripped():
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    source = _picture("JPEG", exif=exif.tobytes())
    assert b"SecretCam" in source

    prepared = image_prepare(source, limits=ImageLimits(max_bytes=2**21), as_webp=False)

    assert b"SecretCam" not in prepared.content


def test_file_name_is_random_and_keeps_no_uploaded_name():
    prepared = image_prepare(_picture(), limits=LIMITS)

    name = prepared.as_file().name

    assert name.endswith(".webp")
    assert len(name) == len("0123456789abcdef0123456789abcdef.webp")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            "Upload a JPEG, PNG, WebP or GIF picture; this file is not one.",
        ),
        (b"", "Upload a JPEG, PNG, WebP or GIF picture; this file is not one."),
        (_picture("BMP"), "Upload a JPEG, PNG, WebP or GIF picture; this file is not one."),
        (_picture()[:60], "Upload a JPEG, PNG, WebP or GIF picture; this file is not one."),
    ],
)
def test_what_is_not_an_accepted_picture_is_refused(source, message):
    with pytest.raises(ImageRejected) as caught:
        image_prepare(source, limits=LIMITS)

    assert str(caught.value) == message


def test_too_many_bytes_is_refused_before_decoding():
    with pytest.raises(ImageRejected) as caught:
        image_prepare(_picture(), limits=ImageLimits(max_bytes=100))

    assert str(caught.value) == "The file is too large (at most 0 MB)."


def test_too_many_pixels_is_refused_before_decoding():
    with pytest.raises(ImageRejected) as caught:
        image_prepare(
            _picture(size=(300, 300)), limits=ImageLimits(max_bytes=2**21, max_pixels=1000)
        )

    assert str(caught.value) == "The picture has too many pixels."
