"""Exchanges test helpers: swaps, availability, offers and categories built the way members do."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from exchanges.models import Swap
from marketplace.models import AvailabilitySlot, Offer
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import CategoryFactory
from tests.rewards.factories import funded_user

MIDNIGHT = dt.time(0, 0)


def always_available(user) -> None:
    """Give ``user`` a weekly availability covering every hour of every day."""
    AvailabilitySlot.objects.bulk_create(
        AvailabilitySlot(user=user, day_of_week=day, start_time=MIDNIGHT, end_time=MIDNIGHT)
        for day in range(7)
    )


def expert(**fields):
    """An expert (may sell paid sessions) who is always available: a responder."""
    from accounts.roles import Role
    from accounts.services import user_role_set

    user = user_role_set(user=UserFactory(**fields), role=Role.EXPERT)
    always_available(user)
    return user


def at(hours: float, *, base: dt.datetime | None = None) -> dt.datetime:
    """A moment ``hours`` from now, on a whole minute."""
    moment = (base or timezone.now()) + dt.timedelta(hours=hours)
    return moment.replace(second=0, microsecond=0)


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    owner = factory.LazyFunction(expert)
    title = factory.Sequence(lambda n: f"Offer {n}")
    category = factory.SubFactory(CategoryFactory)
    price_points = 0
    session_minutes = 60


class SwapFactory(factory.django.DjangoModelFactory):
    """A swap row as the services would leave it (no bookings or escrow: see ``accepted``)."""

    class Meta:
        model = Swap

    requester = factory.SubFactory(UserFactory)
    responder = factory.LazyFunction(expert)
    title = factory.Sequence(lambda n: f"Session {n}")
    kind = Swap.Kind.SWAP
    points_amount = 0
    scheduled_start = factory.LazyFunction(lambda: at(48))
    scheduled_end = factory.LazyAttribute(lambda swap: swap.scheduled_start + dt.timedelta(hours=1))


def points_swap(*, points: int = 30, balance: int = 100, **fields) -> Swap:
    """A pending points swap whose requester holds ``balance`` points."""
    requester = fields.pop("requester", None) or funded_user(balance)
    return SwapFactory(requester=requester, kind=Swap.Kind.POINTS, points_amount=points, **fields)
