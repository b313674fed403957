"""Seed 004's payments, played as its client writes them: subscribe, status, the profile's
``subscription_status`` and the premium rate limit (docs/api.md, seed aliases and rate limits)."""

from __future__ import annotations

import pytest

from billing.models import Subscription
from tests.billing.factories import PlanFactory
from tests.billing.test_subscription_fakes import (
    CLIENT_SECRET,
    fake_stripe_fixture,  # noqa: F401 (fixture "fake_stripe")
    hooks_fixture,  # noqa: F401 (fixture "hooks")
    stripe_subscription,
)
from tests.seeds.helpers import body, url

pytestmark = pytest.mark.django_db

SEED_BODY = {"plan_id": "premium_monthly", "payment_method_id": "pm_1234567890"}


def test_subscribe_as_written_answers_success_subscription_and_client_secret(
    client_for, member, hooks, fake_stripe, settings
):
    # given: a deployment selling plans on Stripe only, as seed 004's does
    settings.BILLING_GATEWAYS = ["stripe"]
    plan = PlanFactory(interval="month", stripe_price_id="price_1MowQULkdIwHu7ixraBm864M")
    fake_stripe.answer("POST", "/v1/customers", {"id": "cus_Na6dX7aXxi11N4", "object": "customer"})
    fake_stripe.answer("POST", "/v1/payment_methods/pm_1234567890/attach", {"id": "pm_1234567890"})
    fake_stripe.answer("POST", "/v1/subscriptions", stripe_subscription())
    client = client_for(member)

    # when
    response = client.post(url("payments/subscribe/"), SEED_BODY, format="json")

    # then
    assert response.status_code == 201
    assert response.json()["success"] is True
    data = body(response)
    assert set(data) == {"subscription", "client_secret"}
    assert {"id", "status", "current_period_end"} <= set(data["subscription"])
    assert data["subscription"]["status"] == "incomplete"
    assert data["subscription"]["current_period_end"] == "2030-01-01T00:00:00Z"
    assert data["client_secret"] == CLIENT_SECRET
    assert Subscription.objects.get().plan == plan


def test_status_and_profile_after_a_sandbox_subscription(client_for, member, hooks):
    # given
    PlanFactory(interval="month")
    client = client_for(member)
    client.post(url("payments/subscribe/"), SEED_BODY, format="json")

    # when
    status = client.get(url("payments/status/"))
    profile = client.get(url("users/me/"))

    # then
    assert status.status_code == 200
    assert body(status)["status"] == "active"
    assert body(status)["plan"]["interval"] == "month"
    assert profile.json()["subscription_status"] == "active"


def test_premium_members_get_5000_an_hour(client_for, member, hooks):
    PlanFactory(interval="month")
    client = client_for(member)
    before = client.get(url("payments/status/"))

    client.post(url("payments/subscribe/"), SEED_BODY, format="json")
    after = client.get(url("payments/status/"))

    assert before["X-RateLimit-Limit"] == "1000"
    assert after["X-RateLimit-Limit"] == "5000"


def test_seed_yearly_plan_word_is_understood(client_for, member, hooks):
    PlanFactory(interval="month")
    yearly = PlanFactory(interval="year")

    response = client_for(member).post(
        url("payments/subscribe/"), {"plan_id": "premium_yearly"}, format="json"
    )

    assert response.status_code == 201
    assert body(response)["subscription"]["plan"]["id"] == yearly.pk
