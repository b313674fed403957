"""Offer expiry: hidden from everybody but the owner, reminded once, renewed by API or link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail, signing
from django.utils import timezone

from marketplace.models import Offer
from marketplace.services.expiry import (
    RENEW_SALT,
    offer_renew_token,
    offers_expiry_remind,
)
from marketplace.tasks import offers_expiry_remind_task
from messaging.models import Notification
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import make_offer

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _expire(offer: Offer, when: dt.datetime) -> Offer:
    Offer.objects.filter(pk=offer.pk).update(expires_at=when)
    offer.refresh_from_db()
    return offer


def _ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def test_a_new_offer_expires_after_the_configured_period(settings):
    # given
    settings.OFFER_EXPIRY_DAYS = 30
    before = timezone.now()
    # when
    offer = make_offer()
    # then
    assert before + 30 * DAY <= offer.expires_at <= timezone.now() + 30 * DAY
    assert offer.expiry_reminded_at is None


def test_zero_days_means_offers_never_expire(settings):
    settings.OFFER_EXPIRY_DAYS = 0
    offer = make_offer()
    assert offer.expires_at is None


def test_an_expired_offer_leaves_lists_search_and_detail_but_not_for_its_owner(
    api_client, make_auth_client
):
    # given
    owner = UserFactory()
    listed = make_offer(title="Guitar lessons live")
    expired = _expire(make_offer(owner=owner, title="Guitar lessons old"), timezone.now() - DAY)
    stranger = make_auth_client(UserFactory())
    mine = make_auth_client(owner)
    # when / then: anonymous and other members see only the listed offer
    assert _ids(api_client.get("/api/v1/offers/")) == [listed.pk]
    assert _ids(api_client.get("/api/v1/offers/", {"search": "guitar"})) == [listed.pk]
    assert _ids(stranger.get("/api/v1/offers/")) == [listed.pk]
    assert api_client.get(f"/api/v1/offers/{expired.pk}/").status_code == 404
    assert stranger.get(f"/api/v1/offers/{expired.pk}/").status_code == 404
    # the owner still reads it, with its expiry
    response = mine.get(f"/api/v1/offers/{expired.pk}/")
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert response.json()["expires_at"] == expired.expires_at.isoformat().replace("+00:00", "Z")
    assert sorted(_ids(mine.get("/api/v1/offers/"))) == sorted([listed.pk, expired.pk])


def test_an_expired_offer_is_not_on_the_public_pages(client):
    # given
    expired = _expire(make_offer(title="Forgotten pottery"), timezone.now() - DAY)
    # when
    listing = client.get("/en/offers/")
    detail = client.get(f"/en/offers/{expired.pk}/")
    # then
    assert "Forgotten pottery" not in listing.content.decode()
    assert detail.status_code == 404


def test_the_reminder_is_sent_once_per_period(settings, django_capture_on_commit_callbacks):
    # given
    settings.OFFER_EXPIRY_REMIND_DAYS = 7
    owner = UserFactory(language="en")
    soon = _expire(make_offer(owner=owner, title="Chess coaching"), timezone.now() + 3 * DAY)
    _expire(make_offer(title="Far away"), timezone.now() + 30 * DAY)
    _expire(make_offer(title="Already gone"), timezone.now() - DAY)
    mail.outbox.clear()
    # when: the daily task runs twice
    with django_capture_on_commit_callbacks(execute=True):
        first = offers_expiry_remind_task()
    with django_capture_on_commit_callbacks(execute=True):
        second = offers_expiry_remind()
    # then
    assert (first, second) == (1, 0)
    notification = Notification.objects.get(kind="offer_expiring")
    assert notification.recipient_id == owner.pk
    assert (notification.related_type, notification.related_id) == ("offer", soon.pk)
    assert "Chess coaching" in notification.body
    assert "/en/me/offers/renew/" in notification.body
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [owner.email]
    assert "/en/me/offers/renew/" in mail.outbox[0].body
    soon.refresh_from_db()
    assert soon.expiry_reminded_at is not None


def test_renewing_rearms_the_reminder_for_the_next_period(settings):
    # given
    settings.OFFER_EXPIRY_DAYS = 90
    owner = UserFactory()
    offer = _expire(make_offer(owner=owner), timezone.now() + 2 * DAY)
    assert offers_expiry_remind() == 1
    client = _client_for(owner)
    # when
    response = client.post(f"/api/v1/offers/{offer.pk}/renew/")
    # then
    assert response.status_code == 200
    offer.refresh_from_db()
    assert offer.expiry_reminded_at is None
    assert offer.expires_at > timezone.now() + 89 * DAY
    assert response.json()["expires_at"] == offer.expires_at.isoformat().replace("+00:00", "Z")


def _client_for(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def test_renew_by_api_is_the_owners_only(make_auth_client):
    # given
    owner = UserFactory()
    expired = _expire(make_offer(owner=owner), timezone.now() - DAY)
    before = Offer.objects.values("expires_at", "expiry_reminded_at", "updated_at").get(
        pk=expired.pk
    )
    # when
    other = make_auth_client(UserFactory()).post(f"/api/v1/offers/{expired.pk}/renew/")
    missing = make_auth_client(owner).post("/api/v1/offers/99999999/renew/")
    # then
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "not_found"
    assert missing.status_code == 404
    assert (
        Offer.objects.values("expires_at", "expiry_reminded_at", "updated_at").get(pk=expired.pk)
        == before
    )


def test_a_removed_offer_cannot_be_renewed(make_auth_client):
    from marketplace.services import offer_remove

    owner = UserFactory()
    offer = offer_remove(offer=make_offer(owner=owner), actor=owner)
    before = Offer.objects.values("expires_at").get(pk=offer.pk)
    response = make_auth_client(owner).post(f"/api/v1/offers/{offer.pk}/renew/")
    assert response.status_code == 409
    assert Offer.objects.values("expires_at").get(pk=offer.pk) == before


def test_the_renew_link_confirms_on_get_and_renews_on_post(client):
    # given
    owner = UserFactory()
    offer = _expire(make_offer(owner=owner, title="Knitting"), timezone.now() - DAY)
    url = f"/en/me/offers/renew/{offer_renew_token(offer=offer)}/"
    # when: a mail scanner follows the link
    page = client.get(url)
    # then: nothing renewed, a confirm button shown
    assert page.status_code == 200
    assert "Knitting" in page.content.decode()
    assert 'method="post"' in page.content.decode()
    offer.refresh_from_db()
    assert offer.is_expired
    # when: the owner presses the button
    done = client.post(url)
    # then
    assert done.status_code == 200
    assert "is renewed" in done.content.decode()
    offer.refresh_from_db()
    assert not offer.is_expired
    assert offer.expiry_reminded_at is None


def test_a_tampered_or_old_renew_link_is_refused(client, settings):
    # given
    offer = _expire(make_offer(), timezone.now() - DAY)
    token = offer_renew_token(offer=offer)
    tampered = token[:-2] + ("aa" if not token.endswith("aa") else "bb")
    forged = signing.dumps({"offer": offer.pk, "owner": offer.owner_id}, salt="another-salt")
    before = Offer.objects.values("expires_at").get(pk=offer.pk)
    # when
    responses = [
        client.post(f"/en/me/offers/renew/{tampered}/"),
        client.post(f"/en/me/offers/renew/{forged}/"),
    ]
    settings.OFFER_RENEW_LINK_MAX_AGE_DAYS = 0
    signing.loads(token, salt=RENEW_SALT)  # still a valid signature
    responses.append(client.post(f"/en/me/offers/renew/{token}/"))
    # then
    assert [response.status_code for response in responses] == [404, 404, 404]
    assert "not valid any more" in responses[0].content.decode()
    assert Offer.objects.values("expires_at").get(pk=offer.pk) == before


def test_the_owners_list_shows_the_expiry_and_renews(client):
    # given
    owner = UserFactory()
    offer = _expire(make_offer(owner=owner, title="Baking"), timezone.now() - DAY)
    client.force_login(owner)
    # when
    page = client.get("/en/me/offers/")
    renewed = client.post(f"/en/me/offers/{offer.pk}/renew/")
    # then
    assert "Expired on" in page.content.decode()
    assert f"/en/me/offers/{offer.pk}/renew/" in page.content.decode()
    assert renewed.status_code == 302
    offer.refresh_from_db()
    assert not offer.is_expired


def test_another_members_renew_button_is_a_404(client):
    offer = _expire(make_offer(), timezone.now() - DAY)
    client.force_login(UserFactory())
    response = client.post(f"/en/me/offers/{offer.pk}/renew/")
    assert response.status_code == 404
    offer.refresh_from_db()
    assert offer.is_expired


def test_renew_refuses_a_body_key_it_does_not_know(make_auth_client):
    owner = UserFactory()
    offer = _expire(make_offer(owner=owner), timezone.now() - DAY)
    response = make_auth_client(owner).post(
        f"/api/v1/offers/{offer.pk}/renew/", {"days": 365}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"days": ["This field is not known."]}
    offer.refresh_from_db()
    assert offer.is_expired


def test_the_reminder_is_in_the_owners_language(django_capture_on_commit_callbacks):
    owner = UserFactory(language="ar")
    _expire(make_offer(owner=owner, title="شطرنج"), timezone.now() + 2 * DAY)
    with django_capture_on_commit_callbacks(execute=True):
        assert offers_expiry_remind() == 1
    notification = Notification.objects.get(kind="offer_expiring", recipient=owner)
    assert "/ar/me/offers/renew/" in notification.body
    assert "شطرنج" in notification.body
