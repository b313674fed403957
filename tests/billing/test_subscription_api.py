"""payments/subscribe/, payments/status/ and payments/subscription/cancel (seed 004)."""

from __future__ import annotations

import datetime as dt

import pytest

from billing.models import Subscription
from tests.billing.test_subscription_fakes import (
    CLIENT_SECRET,
    PERIOD_END,
    fake_stripe_fixture,  # noqa: F401 (fixture "fake_stripe")
    hooks_fixture,  # noqa: F401 (fixture "hooks")
    make_plan,
    rows,
    stripe_subscription,
)

pytestmark = pytest.mark.django_db

SUBSCRIBE = "/api/v1/payments/subscribe/"
STATUS = "/api/v1/payments/status/"
CANCEL = "/api/v1/payments/subscription/cancel"
SEED_BODY = {"plan_id": "premium_monthly", "payment_method_id": "pm_1234567890"}


def test_seed_body_subscribes_on_the_sandbox_at_once(auth_client, hooks):
    # given
    plan = make_plan()

    # when
    response = auth_client.post(SUBSCRIBE, SEED_BODY, format="json")

    # then
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True
    assert body["data"]["client_secret"] == ""
    subscription = body["data"]["subscription"]
    row = Subscription.objects.get()
    assert subscription["id"] == row.pk
    assert subscription["status"] == "active"
    assert subscription["gateway"] == "sandbox"
    assert subscription["plan"]["id"] == plan.pk
    assert subscription["provider_subscription_id"].startswith("sandbox_sub_")
    assert (row.user, row.plan, row.status) == (auth_client.user, plan, "active")
    assert dt.timedelta(days=29) < row.current_period_end - row.created_at < dt.timedelta(days=31)


def test_status_shows_plan_status_and_period_end(auth_client, hooks):
    # given
    plan = make_plan()
    auth_client.post(SUBSCRIBE, {"plan_id": plan.pk}, format="json")
    row = Subscription.objects.get()

    # when
    response = auth_client.get(STATUS)

    # then
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == "active"
    assert data["is_premium"] is True
    assert data["perks"] == ["profile_badge"]
    assert data["plan"]["name"] == "Premium monthly"
    assert data["plan"]["interval"] == "month"
    assert data["plan"]["price"] == "9.00"
    assert data["cancel_at_period_end"] is False
    assert data["current_period_end"] == row.current_period_end.isoformat().replace("+00:00", "Z")


def test_status_without_a_subscription_is_none(auth_client, hooks):
    response = auth_client.get(STATUS)

    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "data": {
            "status": "none",
            "is_premium": False,
            "perks": [],
            "plan": None,
            "current_period_end": None,
            "cancel_at_period_end": False,
            "subscription": None,
        },
    }


def test_cancel_ends_at_the_period_end_and_keeps_premium_until_then(auth_client, hooks):
    # given
    make_plan()
    auth_client.post(SUBSCRIBE, SEED_BODY, format="json")

    # when
    response = auth_client.post(CANCEL)
    again = auth_client.post(CANCEL)

    # then
    assert response.status_code == 200
    assert again.status_code == 200
    data = response.json()["data"]
    assert (data["status"], data["cancel_at_period_end"], data["is_premium"]) == (
        "active",
        True,
        True,
    )
    assert again.json() == response.json()
    row = Subscription.objects.get()
    assert (row.status, row.cancel_at_period_end) == ("active", True)


def test_a_sandbox_subscription_set_to_end_reads_canceled_after_its_period(auth_client, hooks):
    # given
    make_plan()
    auth_client.post(SUBSCRIBE, SEED_BODY, format="json")
    auth_client.post(CANCEL)
    Subscription.objects.update(current_period_end=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    from django.core.cache import cache

    cache.clear()

    # when
    data = auth_client.get(STATUS).json()["data"]

    # then
    assert (data["status"], data["is_premium"]) == ("canceled", False)


def test_cancel_without_a_subscription_is_a_409_and_changes_nothing(auth_client, hooks):
    response = auth_client.post(CANCEL)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_subscription"
    assert rows() == []


def test_a_premium_member_cannot_subscribe_twice(auth_client, hooks):
    # given
    make_plan()
    auth_client.post(SUBSCRIBE, SEED_BODY, format="json")
    before = rows()

    # when
    response = auth_client.post(SUBSCRIBE, SEED_BODY, format="json")

    # then
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_subscribed"
    assert rows() == before


def test_an_unknown_plan_is_a_400_on_plan_id_in_the_callers_language(auth_client, hooks):
    make_plan()

    response = auth_client.post(
        SUBSCRIBE, {"plan_id": "gold"}, format="json", HTTP_ACCEPT_LANGUAGE="ar"
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["plan_id"]
    assert response["Content-Language"] == "ar"
    assert rows() == []


def test_an_inactive_plan_cannot_be_bought(auth_client, hooks):
    plan = make_plan(active=False)

    response = auth_client.post(SUBSCRIBE, {"plan_id": plan.pk}, format="json")

    assert response.status_code == 400
    assert rows() == []


@pytest.mark.parametrize("plan_id", ["99999999999999999999999", "", "1.5", "-1"])
def test_odd_plan_ids_are_400s(auth_client, hooks, plan_id):
    make_plan()

    response = auth_client.post(SUBSCRIBE, {"plan_id": plan_id}, format="json")

    assert response.status_code == 400
    assert rows() == []


def test_an_unknown_field_is_a_400_naming_it(auth_client, hooks):
    make_plan()

    response = auth_client.post(SUBSCRIBE, {**SEED_BODY, "coupon": "FREE"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"coupon": ["This field is not known."]}
    assert rows() == []


def test_stripe_without_keys_is_a_400_and_changes_nothing(auth_client, hooks, settings):
    settings.STRIPE_SECRET_KEY = ""
    make_plan()

    response = auth_client.post(SUBSCRIBE, {**SEED_BODY, "gateway": "stripe"}, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["gateway"]
    assert rows() == []


def test_anonymous_callers_get_a_401(api_client, hooks):
    make_plan()

    assert api_client.post(SUBSCRIBE, SEED_BODY, format="json").status_code == 401
    assert api_client.get(STATUS).status_code == 401
    assert api_client.post(CANCEL).status_code == 401


def test_seed_body_on_stripe_answers_the_first_invoices_client_secret(
    auth_client, hooks, fake_stripe
):
    # given
    plan = make_plan()
    fake_stripe.answer("POST", "/v1/customers", {"id": "cus_Na6dX7aXxi11N4", "object": "customer"})
    fake_stripe.answer("POST", "/v1/payment_methods/pm_1234567890/attach", {"id": "pm_1234567890"})
    fake_stripe.answer("POST", "/v1/subscriptions", stripe_subscription())

    # when
    response = auth_client.post(SUBSCRIBE, {**SEED_BODY, "gateway": "stripe"}, format="json")

    # then
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["client_secret"] == CLIENT_SECRET
    assert data["subscription"]["status"] == "incomplete"
    assert data["subscription"]["provider_subscription_id"] == "sub_1MowQVLkdIwHu7ixeRlqHVzs"
    row = Subscription.objects.get()
    assert (row.plan, row.gateway, row.status, row.provider_customer_id) == (
        plan,
        "stripe",
        "incomplete",
        "cus_Na6dX7aXxi11N4",
    )
    assert row.current_period_end == dt.datetime.fromtimestamp(PERIOD_END, tz=dt.UTC)
    assert fake_stripe.calls[-1].params["metadata[reference]"] == f"subscription:{row.pk}"
    # Incomplete is not premium: the first invoice is not paid yet.
    assert auth_client.get(STATUS).json()["data"]["is_premium"] is False


def test_a_declined_card_is_a_400_and_the_attempt_ends(auth_client, hooks, fake_stripe):
    # given
    make_plan()
    fake_stripe.answer("POST", "/v1/customers", {"id": "cus_1", "object": "customer"})
    fake_stripe.answer(
        "POST",
        "/v1/payment_methods/pm_1234567890/attach",
        {
            "error": {
                "type": "card_error",
                "code": "card_declined",
                "message": "Your card was declined.",
            }
        },
        status=402,
    )

    # when
    response = auth_client.post(SUBSCRIBE, {**SEED_BODY, "gateway": "stripe"}, format="json")

    # then
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Your card was declined."
    assert Subscription.objects.get().status == "canceled"
    assert auth_client.get(STATUS).json()["data"]["is_premium"] is False


def test_cancel_on_stripe_asks_stripe_and_stores_its_answer(auth_client, hooks, fake_stripe):
    # given
    plan = make_plan()
    Subscription.objects.create(
        user=auth_client.user,
        plan=plan,
        gateway="stripe",
        provider_subscription_id="sub_1MowQVLkdIwHu7ixeRlqHVzs",
        status="active",
        current_period_end=dt.datetime.fromtimestamp(PERIOD_END, tz=dt.UTC),
    )
    fake_stripe.answer(
        "POST",
        "/v1/subscriptions/sub_1MowQVLkdIwHu7ixeRlqHVzs",
        stripe_subscription(status="active", cancel_at_period_end=True),
    )

    # when
    response = auth_client.post(CANCEL, {}, format="json")

    # then
    assert response.status_code == 200
    assert response.json()["data"]["cancel_at_period_end"] is True
    assert Subscription.objects.get().cancel_at_period_end is True
    (call,) = fake_stripe.calls
    assert call.params == {"cancel_at_period_end": "true"}


def test_cancel_refuses_a_body_with_unknown_keys(auth_client, hooks):
    make_plan()
    auth_client.post(SUBSCRIBE, SEED_BODY, format="json")
    before = rows()

    response = auth_client.post(CANCEL, {"now": True}, format="json")

    assert response.status_code == 400
    assert rows() == before


def test_users_me_shows_the_subscription_status(auth_client, hooks):
    make_plan()
    assert auth_client.get("/api/v1/users/me/").json()["subscription_status"] == "none"

    auth_client.post(SUBSCRIBE, SEED_BODY, format="json")

    assert auth_client.get("/api/v1/users/me/").json()["subscription_status"] == "active"


def test_a_sandbox_plan_ends_with_its_period_and_the_member_may_subscribe_again(auth_client, hooks):
    # given a sandbox subscription whose one period has passed (the sandbox never renews)
    make_plan()
    auth_client.post(SUBSCRIBE, SEED_BODY, format="json")
    Subscription.objects.update(current_period_end=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))

    # when
    status = auth_client.get(STATUS).json()["data"]["status"]
    again = auth_client.post(SUBSCRIBE, SEED_BODY, format="json")

    # then
    assert status == "canceled"
    assert again.status_code == 201
    assert auth_client.get(STATUS).json()["data"]["status"] == "active"
