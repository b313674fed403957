"""Wagtail admin: the moderation queue, removing and approving offers, the translated catalogue."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from marketplace import services
from marketplace.models import Offer, Skill
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import CategoryFactory, SkillFactory, make_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_client(client):
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(moderator)
    client.user = moderator
    return client


def test_queue_lists_new_and_reported_offers_only(moderator_client):
    new = make_offer(title="Brand new offer")
    reviewed = make_offer(title="Reviewed offer")
    reported = make_offer(title="Reported offer")
    services.offer_approve(offer=reviewed, moderator=moderator_client.user)
    services.offer_approve(offer=reported, moderator=moderator_client.user)
    services.offer_report(offer=reported)

    response = moderator_client.get(reverse("marketplace_offer_queue:index"))

    assert response.status_code == 200
    content = response.content.decode()
    assert new.title in content
    assert reported.title in content
    assert reviewed.title not in content


def test_moderator_removes_an_offer_with_a_reason(moderator_client):
    offer = make_offer(title="Spam offer")
    url = reverse("marketplace_offers:remove", args=[offer.pk])

    assert moderator_client.get(url).status_code == 200
    response = moderator_client.post(url, {"reason": "Selling something else"})

    assert response.status_code == 302
    offer.refresh_from_db()
    assert (offer.status, offer.removal_reason) == ("removed", "Selling something else")
    assert not offer.in_moderation_queue


def test_moderator_approves_an_offer(moderator_client):
    offer = make_offer(title="Fine offer")

    response = moderator_client.post(reverse("marketplace_offers:approve", args=[offer.pk]))

    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.reviewed_by == moderator_client.user


def test_offers_cannot_be_edited_or_deleted_in_the_admin(moderator_client):
    offer = make_offer(title="Keep me")

    edit = moderator_client.post(
        reverse("marketplace_offers:edit", args=[offer.pk]), {"title": "Changed"}
    )
    delete = moderator_client.post(reverse("marketplace_offers:delete", args=[offer.pk]))

    assert edit.status_code in {302, 403}
    assert delete.status_code in {302, 403}
    offer.refresh_from_db()
    assert offer.title == "Keep me"
    assert Offer.objects.filter(pk=offer.pk).exists()


def test_offer_listing_and_inspect_pages_render(moderator_client):
    offer = make_offer(title="Inspect me")

    assert moderator_client.get(reverse("marketplace_offers:index")).status_code == 200
    inspect = moderator_client.get(reverse("marketplace_offers:inspect", args=[offer.pk]))
    assert inspect.status_code == 200
    assert "Remove with a reason" in inspect.content.decode()


def test_members_cannot_reach_the_moderation_screens(client):
    member = UserFactory()
    client.force_login(member)
    offer = make_offer()

    response = client.post(reverse("marketplace_offers:remove", args=[offer.pk]), {"reason": "x"})

    assert response.status_code in {302, 403}
    offer.refresh_from_db()
    assert offer.status == "active"


def test_renaming_a_skill_in_the_admin_reindexes_its_offers(
    moderator_client, django_capture_on_commit_callbacks
):
    category = CategoryFactory()
    skill = SkillFactory(name_en="Violin", name_ar="الكمان", slug="violin", category=category)
    make_offer(title="Strings for beginners", offered=[skill], category=category)

    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(
            reverse("marketplace_skills:edit", args=[skill.pk]),
            {
                "name_en": "Fiddle",
                "name_ar": "الكمان",
                "slug": "violin",
                "category": category.pk,
                "description_en": "",
                "description_ar": "",
                "synonyms": "",
                "is_active": "on",
            },
        )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Skill.objects.get(pk=skill.pk).name_en == "Fiddle"
    assert "fiddle" in Offer.objects.get().search_text


def test_category_admin_edits_both_languages(moderator_client):
    response = moderator_client.post(
        reverse("marketplace_categories:add"),
        {
            "name_en": "Gardening",
            "name_ar": "البستنة",
            "slug": "gardening",
            "description_en": "",
            "description_ar": "",
            "icon": "leaf",
            "sort_order": 5,
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    from marketplace.models import Category

    category = Category.objects.get(slug="gardening")
    assert (category.name_en, category.name_ar) == ("Gardening", "البستنة")


@pytest.mark.parametrize("kind", ["categories", "skills"])
def test_deleting_a_category_or_skill_invalidates_the_cached_public_pages(
    client, django_capture_on_commit_callbacks, kind
):
    # given an administrator, an unused category or skill, and the offers cache version
    from django.core.cache import cache

    from marketplace.cache import _VERSION_KEY, OFFERS, offers_cache_bump

    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    instance = CategoryFactory() if kind == "categories" else SkillFactory()
    offers_cache_bump()
    before = cache.get(_VERSION_KEY.format(OFFERS))

    # when the administrator deletes it in the admin
    url = reverse(f"marketplace_{kind}:delete", args=[instance.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)

    # then it is gone and every cached page naming it is stale
    assert response.status_code == 302
    assert not type(instance).objects.filter(pk=instance.pk).exists()
    assert cache.get(_VERSION_KEY.format(OFFERS)) != before
