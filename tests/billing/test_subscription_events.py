"""Subscription status follows Stripe's signed events: lifecycle, order, repeats, cancel.

Each event is signed the way Stripe signs it and verified by the Stripe gateway
(``stripe.Webhook.construct_event``) before ``subscription_event_apply`` sees it.
"""

from __future__ import annotations

import datetime as dt

import pytest

from billing import subscriptions
from billing.models import Subscription
from tests.accounts.factories import UserFactory
from tests.billing.test_subscription_fakes import (
    NEXT_PERIOD_END,
    PERIOD_END,
    deliver,
    fake_stripe_fixture,  # noqa: F401 (fixture "fake_stripe")
    hooks_fixture,  # noqa: F401 (fixture "hooks")
    invoice_event,
    make_plan,
    rows,
    subscription_event,
)

pytestmark = pytest.mark.django_db

SUB = "sub_1MowQVLkdIwHu7ixeRlqHVzs"


def at(epoch: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)


@pytest.fixture
def started(fake_stripe):
    """A member's Stripe subscription as ``subscription_start`` leaves it: incomplete."""
    member = UserFactory()
    row = Subscription.objects.create(
        user=member,
        plan=make_plan(),
        gateway="stripe",
        provider_subscription_id=SUB,
        provider_customer_id="cus_Na6dX7aXxi11N4",
        status="incomplete",
        current_period_end=at(PERIOD_END),
    )
    return row


def state(row: Subscription) -> tuple:
    row.refresh_from_db()
    return row.status, row.current_period_end, row.cancel_at_period_end


def test_lifecycle_created_active_payment_failed_past_due_deleted(started, hooks):
    member = started.user

    # created (incomplete), then the first invoice paid: active and premium
    deliver(
        subscription_event("customer.subscription.created", event_id="evt_1", status="incomplete")
    )
    assert state(started) == ("incomplete", at(PERIOD_END), False)
    assert subscriptions.user_is_premium(member) is False
    deliver(invoice_event("invoice.paid", event_id="evt_2"))
    deliver(subscription_event("customer.subscription.updated", event_id="evt_3", status="active"))
    assert state(started) == ("active", at(PERIOD_END), False)
    assert subscriptions.user_is_premium(member) is True

    # the renewal fails: past due, still premium within the grace period
    deliver(invoice_event("invoice.payment_failed", event_id="evt_4", period_end=NEXT_PERIOD_END))
    assert state(started) == ("past_due", at(NEXT_PERIOD_END), False)
    assert subscriptions.user_is_premium(member) is True

    # Stripe gives up: deleted, canceled, not premium
    deliver(
        subscription_event(
            "customer.subscription.deleted",
            event_id="evt_5",
            status="canceled",
            period_end=NEXT_PERIOD_END,
        )
    )
    assert state(started) == ("canceled", at(NEXT_PERIOD_END), False)
    assert subscriptions.user_is_premium(member) is False


def test_the_created_event_for_a_row_whose_id_is_not_stored_yet_finds_it_by_reference(
    hooks, fake_stripe
):
    # given: Stripe's event outran the API answer that would have stored the id
    row = Subscription.objects.create(
        user=UserFactory(), plan=make_plan(), gateway="stripe", status="incomplete"
    )

    # when
    deliver(
        subscription_event(
            "customer.subscription.created",
            event_id="evt_1",
            status="active",
            reference=f"subscription:{row.pk}",
        )
    )

    # then
    row.refresh_from_db()
    assert (row.provider_subscription_id, row.provider_customer_id, row.status) == (
        SUB,
        "cus_Na6dX7aXxi11N4",
        "active",
    )


def test_a_late_created_event_does_not_undo_active(started, hooks):
    deliver(subscription_event("customer.subscription.updated", event_id="evt_2", status="active"))

    deliver(
        subscription_event("customer.subscription.created", event_id="evt_1", status="incomplete")
    )

    assert state(started) == ("active", at(PERIOD_END), False)


def test_an_update_of_an_older_period_is_ignored(started, hooks):
    deliver(
        subscription_event(
            "customer.subscription.updated",
            event_id="evt_2",
            status="active",
            period_end=NEXT_PERIOD_END,
        )
    )
    before = rows()

    deliver(
        subscription_event(
            "customer.subscription.updated",
            event_id="evt_1",
            status="past_due",
            period_end=PERIOD_END,
        )
    )
    deliver(invoice_event("invoice.payment_failed", event_id="evt_0", period_end=PERIOD_END))

    assert rows() == before
    assert state(started) == ("active", at(NEXT_PERIOD_END), False)


def test_nothing_revives_a_deleted_subscription(started, hooks):
    deliver(
        subscription_event("customer.subscription.deleted", event_id="evt_9", status="canceled")
    )
    before = rows()

    deliver(subscription_event("customer.subscription.updated", event_id="evt_3", status="active"))
    deliver(invoice_event("invoice.paid", event_id="evt_4"))
    deliver(
        subscription_event(
            "customer.subscription.updated",
            event_id="evt_5",
            status="active",
            period_end=NEXT_PERIOD_END,
        )
    )

    assert rows() == before
    assert subscriptions.user_is_premium(started.user) is False


def test_the_same_event_ten_times_is_one_change(started, hooks):
    event = subscription_event("customer.subscription.updated", event_id="evt_1", status="active")

    deliver(event)
    after_first = rows()
    updated_at = Subscription.objects.get().updated_at
    for _ in range(9):
        deliver(event)

    assert rows() == after_first
    assert Subscription.objects.get().updated_at == updated_at


def test_cancel_at_period_end_then_deleted_at_the_end(started, hooks):
    deliver(subscription_event("customer.subscription.updated", event_id="evt_1", status="active"))

    deliver(
        subscription_event(
            "customer.subscription.updated",
            event_id="evt_2",
            status="active",
            cancel_at_period_end=True,
        )
    )
    assert state(started) == ("active", at(PERIOD_END), True)
    assert subscriptions.user_is_premium(started.user) is True
    assert subscriptions.premium_until_of(user_id=started.user_id) == PERIOD_END

    deliver(
        subscription_event(
            "customer.subscription.deleted",
            event_id="evt_3",
            status="canceled",
            cancel_at_period_end=True,
        )
    )
    assert state(started)[0] == "canceled"
    assert subscriptions.user_is_premium(started.user) is False


def test_events_of_subscriptions_this_site_never_started_change_nothing(started, hooks):
    before = rows()

    deliver(
        subscription_event(
            "customer.subscription.updated",
            event_id="evt_1",
            status="active",
            sub_id="sub_SOMEONE_ELSE",
        )
    )
    deliver(invoice_event("invoice.paid", event_id="evt_2", sub_id="sub_SOMEONE_ELSE"))

    assert rows() == before


def test_events_through_the_webhook_endpoint_apply_once(started, hooks, api_client):
    # given: Stripe posting a signed event to the webhook, twice
    from billing.models import PaymentEvent
    from tests.billing.test_subscription_fakes import signed

    body, headers = signed(
        subscription_event("customer.subscription.updated", event_id="evt_http_1", status="active")
    )
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}

    # when
    first = api_client.post(
        "/api/v1/payments/webhooks/stripe/", body, content_type="application/json", **extra
    )
    second = api_client.post(
        "/api/v1/payments/webhooks/stripe/", body, content_type="application/json", **extra
    )

    # then
    assert (first.status_code, second.status_code) == (200, 200)
    assert state(started) == ("active", at(PERIOD_END), False)
    assert PaymentEvent.objects.filter(event_id="evt_http_1").count() == 1


def test_a_badly_signed_event_changes_nothing(started, hooks, api_client):
    from tests.billing.test_subscription_fakes import signed

    body, headers = signed(
        subscription_event("customer.subscription.updated", event_id="evt_bad", status="active"),
        secret="whsec_wrong",  # noqa: S106
    )
    before = rows()

    response = api_client.post(
        "/api/v1/payments/webhooks/stripe/",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=headers["Stripe-Signature"],
    )

    assert response.status_code == 400
    assert rows() == before
