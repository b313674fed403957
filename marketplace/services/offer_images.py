"""Offer pictures: checked and re-encoded by the one image pipeline (``core.images``).

Files are prepared and written to storage before the offer row is locked, and the lock is held
only to number and insert the rows (docs/architecture.md, lock order: never hold a row lock over
file or network I/O). If the rows cannot be written, the stored files are deleted again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import Conflict, ValidationFailed
from core.images import ImageLimits, ImageRejected, PreparedImage, image_prepare
from marketplace.cache import offers_cache_bump
from marketplace.models import Offer, OfferImage, OfferStatus


def offer_image_limits() -> ImageLimits:
    """Offer pictures: at most MARKETPLACE_IMAGE_MAX_BYTES, shrunk into a square of
    MARKETPLACE_IMAGE_MAX_SIDE pixels."""
    side = int(settings.MARKETPLACE_IMAGE_MAX_SIDE)
    return ImageLimits(max_bytes=int(settings.MARKETPLACE_IMAGE_MAX_BYTES), max_size=(side, side))


def _prepare(files: Sequence[IO[bytes]]) -> list[PreparedImage]:
    limits = offer_image_limits()
    prepared = []
    for index, upload in enumerate(files):
        try:
            prepared.append(image_prepare(upload, limits=limits, as_webp=True))
        except ImageRejected as exc:
            raise ValidationFailed(fields={f"images.{index}": [str(exc)]}) from None
    return prepared


def offer_images_add(*, offer: Offer, files: Sequence[IO[bytes]]) -> list[OfferImage]:
    """Validate, re-encode and append pictures to an offer, after the existing ones.

    Nothing is stored if any file is refused. The pictures are re-encoded and written to storage
    first, with no lock held; then, in one transaction, a row lock on the offer (so concurrent
    uploads cannot exceed the limit or share a position) covers only the inserts. If that
    transaction fails, the files just written are deleted.
    """
    if not files:
        raise ValidationFailed(fields={"images": [_("Attach at least one picture.")]})
    if offer.status == OfferStatus.REMOVED:
        raise Conflict(_("This offer was removed and can no longer be edited."))
    limit = int(settings.MARKETPLACE_OFFER_MAX_IMAGES)
    _check_room(offer_id=offer.pk, adding=len(files), limit=limit)
    prepared = _prepare(files)
    field = OfferImage._meta.get_field("image")
    storage = field.storage
    stored: list[tuple[str, PreparedImage]] = []
    try:
        for picture in prepared:
            content = picture.as_file()
            name = storage.save(field.generate_filename(None, content.name), content)
            stored.append((name, picture))
        with transaction.atomic():
            return _attach(offer_id=offer.pk, stored=stored, limit=limit)
    except BaseException:
        for name, _picture in stored:
            storage.delete(name)
        raise


def _check_room(*, offer_id: int, adding: int, limit: int) -> None:
    if OfferImage.objects.filter(offer_id=offer_id).count() + adding > limit:
        raise ValidationFailed(
            fields={"images": [_("An offer has at most %(count)d pictures.") % {"count": limit}]}
        )


def _attach(
    *, offer_id: int, stored: Sequence[tuple[str, PreparedImage]], limit: int
) -> list[OfferImage]:
    """Insert the rows of already stored pictures. Takes a row lock on the offer."""
    transaction.on_commit(offers_cache_bump)
    locked = Offer.objects.select_for_update(no_key=True).get(pk=offer_id)
    if locked.status == OfferStatus.REMOVED:
        raise Conflict(_("This offer was removed and can no longer be edited."))
    # Checked again under the lock: a concurrent upload may have taken the room.
    _check_room(offer_id=offer_id, adding=len(stored), limit=limit)
    last = OfferImage.objects.filter(offer_id=offer_id).order_by("-position").first()
    position = last.position + 1 if last is not None else 0
    created = []
    for name, picture in stored:
        image = OfferImage(
            offer=locked, position=position, width=picture.width, height=picture.height
        )
        image.image.name = name
        image.save()
        created.append(image)
        position += 1
    return created


@transaction.atomic
def offer_image_delete(*, image: OfferImage) -> None:
    """Delete one picture and close the gap in the order. Locks the offer row; the file is
    deleted from storage after commit."""
    transaction.on_commit(offers_cache_bump)
    Offer.objects.select_for_update(no_key=True).filter(pk=image.offer_id).first()
    offer_id = image.offer_id
    storage, name = image.image.storage, image.image.name
    image.delete()
    _renumber_images(offer_id=offer_id, order=None)
    transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def offer_images_reorder(*, offer: Offer, order: Sequence[int]) -> list[OfferImage]:
    """Put the offer's pictures in the order of ``order`` (every image id, once). Locks the
    offer row."""
    transaction.on_commit(offers_cache_bump)
    Offer.objects.select_for_update(no_key=True).filter(pk=offer.pk).first()
    current = set(OfferImage.objects.filter(offer=offer).values_list("pk", flat=True))
    if len(order) != len(set(order)) or set(order) != current:
        raise ValidationFailed(
            fields={"order": [_("List every picture of this offer exactly once.")]}
        )
    return _renumber_images(offer_id=offer.pk, order=order)


def _renumber_images(*, offer_id: int, order: Sequence[int] | None) -> list[OfferImage]:
    images = list(OfferImage.objects.filter(offer_id=offer_id).order_by("position", "id"))
    if order is not None:
        rank = {pk: index for index, pk in enumerate(order)}
        images.sort(key=lambda image: rank[image.pk])
    for index, image in enumerate(images):
        image.position = index
    OfferImage.objects.bulk_update(images, ["position"])
    return images
