import datetime as dt

import factory

from marketplace import services
from marketplace.models import (
    AvailabilitySlot,
    Category,
    Offer,
    OfferMode,
    Skill,
    UserSkill,
)
from tests.accounts.factories import UserFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        skip_postgeneration_save = True

    name_en = factory.Sequence(lambda n: f"Category {n}")
    name_ar = factory.Sequence(lambda n: f"فئة {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        skip_postgeneration_save = True

    name_en = factory.Sequence(lambda n: f"Skill {n}")
    name_ar = factory.Sequence(lambda n: f"مهارة {n}")
    slug = factory.Sequence(lambda n: f"skill-{n}")
    category = factory.SubFactory(CategoryFactory)


class UserSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserSkill

    user = factory.SubFactory(UserFactory)
    skill = factory.SubFactory(SkillFactory)
    direction = "offered"
    proficiency_level = "intermediate"


class SlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilitySlot

    user = factory.SubFactory(UserFactory)
    day_of_week = 0
    start_time = dt.time(9, 0)
    end_time = dt.time(17, 0)


def make_expert(user):
    """Give ``user`` the expert role (may sell paid sessions), as staff would."""
    from accounts.roles import Role
    from accounts.services import user_role_set

    user_role_set(user=user, role=Role.EXPERT)
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)
    return user


def make_offer(
    *,
    owner=None,
    title="Guitar lessons",
    description="",
    category=None,
    offered=None,
    desired=(),
    mode=OfferMode.ONLINE,
    location="",
    latitude=None,
    longitude=None,
    language="en",
    price_points=0,
    status="active",
    created_at=None,
    **extra,
) -> Offer:
    """Create an offer through the service, so its search document is built like in production.

    A priced offer's owner is made an expert first: only experts sell paid sessions.
    """
    owner = owner or UserFactory()
    if price_points > 0:
        make_expert(owner)
    category = category or CategoryFactory()
    offered = offered if offered is not None else [SkillFactory(category=category)]
    offer = services.offer_create(
        owner=owner,
        title=title,
        description=description,
        category=category,
        offered_skills=offered,
        desired_skills=list(desired),
        mode=mode,
        location=location,
        latitude=latitude,
        longitude=longitude,
        language=language,
        price_points=price_points,
        status=status,
        **extra,
    )
    if created_at is not None:
        Offer.objects.filter(pk=offer.pk).update(created_at=created_at)
        offer.created_at = created_at
    return offer
