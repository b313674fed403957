"""Premium takes effect: the premium rate limit, its cache, the profile badge perk."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing import subscriptions
from billing.models import Subscription
from tests.accounts.factories import UserFactory
from tests.billing.test_subscription_fakes import (
    hooks_fixture,  # noqa: F401 (fixture "hooks")
    make_plan,
)

pytestmark = pytest.mark.django_db

STATUS = "/api/v1/payments/status/"
PROFILE = "/api/v1/users/me/"


def premium_for(user, *, status="active", days=10, cancel=False) -> Subscription:
    return Subscription.objects.create(
        user=user,
        plan=make_plan(),
        gateway="sandbox",
        provider_subscription_id=f"sandbox_sub_{user.pk}_{status}",
        status=status,
        current_period_end=timezone.now() + dt.timedelta(days=days),
        cancel_at_period_end=cancel,
    )


def test_a_member_gets_the_user_rate(auth_client, hooks):
    response = auth_client.get(STATUS)

    assert response["X-RateLimit-Limit"] == "1000"


def test_a_premium_member_gets_the_premium_rate(auth_client, hooks):
    premium_for(auth_client.user)

    response = auth_client.get(STATUS)

    assert response["X-RateLimit-Limit"] == "5000"
    assert response["X-RateLimit-Remaining"] == "4999"


def test_subscribing_on_the_sandbox_switches_to_the_premium_rate_at_once(auth_client, hooks):
    make_plan()
    before = auth_client.get(STATUS)

    auth_client.post("/api/v1/payments/subscribe/", {"plan_id": "premium_monthly"}, format="json")
    after = auth_client.get(STATUS)

    assert (before["X-RateLimit-Limit"], after["X-RateLimit-Limit"]) == ("1000", "5000")


@pytest.mark.parametrize(
    ("status", "days", "cancel", "premium"),
    [
        ("active", 10, False, True),
        ("trialing", 10, False, True),
        ("active", -1, False, True),  # a renewal's webhook may be late: grace
        ("active", -4, False, False),  # past the grace days
        ("active", -1, True, False),  # set to end: ends at the period end, no grace
        ("past_due", 10, False, True),  # within the grace days after the failure
        ("incomplete", 10, False, False),
        ("unpaid", 10, False, False),
        ("canceled", 10, False, False),
    ],
)
def test_who_is_premium(hooks, status, days, cancel, premium):
    member = UserFactory()
    premium_for(member, status=status, days=days, cancel=cancel)

    assert subscriptions.user_is_premium(member) is premium


def test_past_due_ends_premium_after_the_grace_days(hooks):
    member = UserFactory()
    row = premium_for(member, status="past_due", days=20)
    Subscription.objects.filter(pk=row.pk).update(updated_at=timezone.now() - dt.timedelta(days=4))

    assert subscriptions.user_is_premium(member) is False


def test_the_throttle_asks_the_database_once_per_member_while_the_cache_holds(auth_client, hooks):
    # given: the first request caches the premium end
    premium_for(auth_client.user)
    with CaptureQueriesContext(connection) as first:
        auth_client.get("/api/v1/points/balance/")

    # when
    with CaptureQueriesContext(connection) as second:
        response = auth_client.get("/api/v1/points/balance/")

    # then: one query fewer, and none of it reads subscriptions
    assert response["X-RateLimit-Limit"] == "5000"
    assert len(second.captured_queries) == len(first.captured_queries) - 1
    assert not any("billing_subscription" in q["sql"] for q in second.captured_queries)


def test_a_change_is_seen_at_once_despite_the_cache(auth_client, hooks):
    make_plan()
    auth_client.post("/api/v1/payments/subscribe/", {"plan_id": "premium_monthly"}, format="json")
    assert auth_client.get(STATUS)["X-RateLimit-Limit"] == "5000"
    row = Subscription.objects.get()

    subscriptions._state_merge(
        row,
        provider_subscription_id=row.provider_subscription_id,
        provider_customer_id="",
        status="canceled",
        current_period_end=None,
        cancel_at_period_end=None,
        terminal=True,
    )

    assert auth_client.get(STATUS)["X-RateLimit-Limit"] == "1000"


def test_the_profile_shows_the_premium_badge(auth_client, hooks):
    assert auth_client.get(PROFILE).json()["sections"]["premium"] == {"badge": False}

    premium_for(auth_client.user)
    cache.clear()

    assert auth_client.get(PROFILE).json()["sections"]["premium"] == {"badge": True}
    assert auth_client.get(f"/api/v1/users/{auth_client.user.pk}/").json()["sections"][
        "premium"
    ] == {"badge": True}


def test_without_the_perk_a_premium_member_gets_no_badge(auth_client, hooks, settings):
    settings.PREMIUM_PERKS = []
    premium_for(auth_client.user)

    assert auth_client.get(PROFILE).json()["sections"]["premium"] == {"badge": False}
    assert auth_client.get(STATUS).json()["data"]["perks"] == []
