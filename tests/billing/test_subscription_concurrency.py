"""Subscriptions under concurrency on PostgreSQL: real threads behind a barrier, real locks."""

from __future__ import annotations

import pytest

from billing import subscriptions
from billing.models import Subscription
from core.exceptions import Conflict
from tests.accounts.factories import UserFactory
from tests.billing.test_concurrency import in_parallel
from tests.billing.test_subscription_fakes import (
    NEXT_PERIOD_END,
    PERIOD_END,
    deliver,
    fake_stripe_fixture,  # noqa: F401 (fixture "fake_stripe")
    make_plan,
    subscription_event,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ten_simultaneous_sandbox_subscribes_of_one_member_start_one_plan():
    # given
    member = UserFactory()
    plan = make_plan()

    # when
    results = in_parallel(
        10,
        lambda _i: subscriptions.subscription_start(user=member, plan=plan, gateway_name="sandbox"),
    )

    # then
    started = [r for r in results if isinstance(r, subscriptions.SubscriptionStarted)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert (len(started), len(refused)) == (1, 9)
    assert list(Subscription.objects.values_list("status", flat=True)) == ["active"]


def test_the_same_events_in_any_order_and_in_parallel_end_in_the_newest_state(fake_stripe):
    # given a member's Stripe subscription and its events of two periods
    row = Subscription.objects.create(
        user=UserFactory(),
        plan=make_plan(),
        gateway="stripe",
        provider_subscription_id="sub_1MowQVLkdIwHu7ixeRlqHVzs",
        status="incomplete",
    )
    events = [
        subscription_event("customer.subscription.created", event_id="evt_1", status="incomplete"),
        subscription_event("customer.subscription.updated", event_id="evt_2", status="active"),
        subscription_event(
            "customer.subscription.updated",
            event_id="evt_3",
            status="active",
            period_end=NEXT_PERIOD_END,
        ),
    ] * 3

    # when every delivery arrives at once
    results = in_parallel(len(events), lambda i: deliver(events[i]))

    # then
    assert [r for r in results if isinstance(r, Exception)] == []
    row.refresh_from_db()
    assert (row.status, int(row.current_period_end.timestamp())) == ("active", NEXT_PERIOD_END)
    assert PERIOD_END < NEXT_PERIOD_END
