"""The billing pages: buy points (sandbox end to end), the return pages, plans and history."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import Payment, Subscription
from rewards.selectors import wallet_balance
from tests.accounts.factories import UserFactory
from tests.billing.factories import PackageFactory, PaymentFactory, PlanFactory
from tests.billing.test_subscription_fakes import (
    fake_stripe_fixture,  # noqa: F401 (fixture "fake_stripe")
    hooks_fixture,  # noqa: F401 (fixture "hooks")
)

pytestmark = pytest.mark.django_db

BUY = "/en/me/wallet/buy/"
BILLING = "/en/me/billing/"


def payments() -> list[tuple]:
    return list(Payment.objects.order_by("pk").values_list("user_id", "status", "points"))


@pytest.mark.parametrize(
    "path", [BUY, BILLING, "/en/me/wallet/buy/cancelled/", "/en/me/wallet/buy/1/done/"]
)
def test_anonymous_visitors_are_sent_to_the_login(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=")


def test_the_wallet_links_to_buying_points(client):
    client.force_login(UserFactory())

    page = client.get("/en/me/wallet/").content.decode()

    assert 'href="/en/me/wallet/buy/"' in page
    assert 'href="/en/me/billing/"' in page


def test_the_buy_page_lists_packages_and_available_gateways(client, settings):
    # given
    settings.BILLING_GATEWAYS = ["sandbox", "stripe"]
    settings.STRIPE_SECRET_KEY = ""
    PackageFactory(name_en="Starter", points=100)
    PackageFactory(name_en="Big", points=500, active=False)
    client.force_login(UserFactory())

    # when
    response = client.get(BUY)

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "Starter" in page
    assert "Big" not in page
    assert response.context["gateways"] == ["sandbox"]
    assert page.count("<h1>") == 1


def test_buying_on_the_sandbox_credits_and_shows_the_done_page(client):
    # given
    package = PackageFactory(points=250)
    me = UserFactory()
    client.force_login(me)

    # when
    response = client.post(
        BUY, {"package": package.pk, "gateway": "sandbox", "idempotency_key": "k1"}
    )

    # then
    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/me/wallet/buy/{payment.pk}/done/"
    assert (payment.user, payment.status, payment.points) == (me, "succeeded", 250)
    assert wallet_balance(user=me) == 250
    done = client.get(response["Location"])
    assert done.status_code == 200
    assert "250 points were added to your wallet." in done.content.decode()
    assert done.context["summary"].balance == 250


def test_a_double_submit_buys_once(client):
    package = PackageFactory(points=100)
    me = UserFactory()
    client.force_login(me)
    form = {"package": package.pk, "gateway": "sandbox", "idempotency_key": "same"}

    first = client.post(BUY, form)
    second = client.post(BUY, form)

    assert first["Location"] == second["Location"]
    assert Payment.objects.count() == 1
    assert wallet_balance(user=me) == 100


def test_an_unknown_gateway_is_refused_and_changes_nothing(client):
    package = PackageFactory()
    client.force_login(UserFactory())

    response = client.post(
        BUY, {"package": package.pk, "gateway": "bitcoin", "idempotency_key": "k"}
    )

    assert response.status_code == 200
    assert "gateway" in response.context["form"].errors
    assert payments() == []


def test_a_wallet_limit_refusal_is_shown_and_changes_nothing(client, settings):
    settings.WALLET_MAX_BALANCE = 50
    package = PackageFactory(points=100)
    client.force_login(UserFactory())

    response = client.post(
        BUY, {"package": package.pk, "gateway": "sandbox", "idempotency_key": "k"}
    )

    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert payments() == []


def test_buying_on_stripe_redirects_to_its_checkout(client, fake_stripe, settings):
    # given
    settings.BILLING_GATEWAYS = ["sandbox", "stripe"]
    from billing.gateways import stripe as stripe_gateway

    stripe_gateway.HTTP_CLIENT = fake_stripe
    try:
        fake_stripe.answer(
            "POST",
            "/v1/checkout/sessions",
            {
                "id": "cs_test_a1",
                "object": "checkout.session",
                "mode": "payment",
                "url": "https://checkout.stripe.com/c/pay/cs_test_a1",
                "payment_intent": None,
                "payment_status": "unpaid",
                "status": "open",
            },
        )
        package = PackageFactory()
        client.force_login(UserFactory())

        # when
        response = client.post(
            BUY, {"package": package.pk, "gateway": "stripe", "idempotency_key": "k"}
        )
    finally:
        stripe_gateway.HTTP_CLIENT = None

    # then
    assert response.status_code == 302
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_a1"
    assert Payment.objects.get().status == "pending"


def test_the_done_page_of_a_pending_payment_polls_and_offers_check_again(client):
    me = UserFactory()
    payment = PaymentFactory(user=me)
    client.force_login(me)

    response = client.get(f"/en/me/wallet/buy/{payment.pk}/done/")
    status = client.get(f"/en/me/wallet/buy/{payment.pk}/status/")

    page = response.content.decode()
    assert "Waiting for the payment" in page
    assert "Check again" in page
    assert 'src="/static/js/billing.js"' in page
    assert 'data-settled="false"' in page
    assert status.json() == {"status": "pending", "settled": False}


def test_another_members_payment_is_a_404(client):
    payment = PaymentFactory()
    client.force_login(UserFactory())

    assert client.get(f"/en/me/wallet/buy/{payment.pk}/done/").status_code == 404
    assert client.get(f"/en/me/wallet/buy/{payment.pk}/status/").status_code == 404


def test_the_cancel_return_marks_the_pending_payment_cancelled(client):
    me = UserFactory()
    payment = PaymentFactory(user=me)
    client.force_login(me)

    response = client.get(f"/en/wallet/buy/cancel/?payment={payment.pk}", follow=True)

    assert response.redirect_chain[-1][0] == f"/en/me/wallet/buy/cancelled/?payment={payment.pk}"
    assert "No money was taken" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == "cancelled"


def test_the_cancel_return_leaves_another_members_payment_alone(client):
    payment = PaymentFactory()
    client.force_login(UserFactory())

    client.get(f"/en/me/wallet/buy/cancelled/?payment={payment.pk}")

    payment.refresh_from_db()
    assert payment.status == "pending"


def test_the_success_return_goes_to_the_done_page(client):
    me = UserFactory()
    payment = PaymentFactory(user=me)
    client.force_login(me)

    response = client.get(f"/en/wallet/buy/success/?payment={payment.pk}")

    assert response["Location"] == f"/en/me/wallet/buy/{payment.pk}/done/"


def test_the_billing_page_subscribes_on_the_sandbox_and_cancels(client, hooks):
    # given
    plan = PlanFactory(name_en="Premium monthly")
    me = UserFactory()
    client.force_login(me)
    assert "You have no premium plan." in client.get(BILLING).content.decode()

    # when
    subscribed = client.post("/en/me/billing/subscribe/", {"plan": plan.pk}, follow=True)

    # then
    page = subscribed.content.decode()
    assert "You are now a premium member." in page
    assert "Renews on" in page
    assert "Cancel at the end of the period" in page
    assert Subscription.objects.get().status == "active"

    # when
    cancelled = client.post("/en/me/billing/cancel/", follow=True)

    # then
    page = cancelled.content.decode()
    assert "it will not renew" in page
    assert "Cancel at the end of the period" not in page
    assert Subscription.objects.get().cancel_at_period_end is True


def test_the_billing_page_on_stripe_sends_the_member_to_checkout(
    client, hooks, fake_stripe, settings
):
    settings.BILLING_GATEWAYS = ["stripe"]
    plan = PlanFactory()
    fake_stripe.answer(
        "POST",
        "/v1/checkout/sessions",
        {
            "id": "cs_test_s1",
            "object": "checkout.session",
            "mode": "subscription",
            "url": "https://checkout.stripe.com/c/pay/cs_test_s1",
        },
    )
    client.force_login(UserFactory())

    response = client.post("/en/me/billing/subscribe/", {"plan": plan.pk})

    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_s1"
    row = Subscription.objects.get()
    assert (row.gateway, row.status) == ("stripe", "incomplete")
    params = fake_stripe.calls[0].params
    assert params["success_url"] == f"http://testserver/en/me/billing/?subscribed={row.pk}"
    assert params["cancel_url"] == f"http://testserver/en/me/billing/?cancelled={row.pk}"

    # when the member comes back from Checkout without paying
    page = client.get(f"/en/me/billing/?cancelled={row.pk}").content.decode()

    # then the attempt ends and the plans are offered again
    row.refresh_from_db()
    assert row.status == "canceled"
    assert "Subscribe" in page


def test_cancel_without_a_plan_says_so_and_changes_nothing(client, hooks):
    client.force_login(UserFactory())

    response = client.post("/en/me/billing/cancel/", follow=True)

    assert "You have no subscription to cancel." in response.content.decode()
    assert Subscription.objects.count() == 0


def test_the_billing_page_query_count_does_not_grow_with_payments(client, hooks):
    me = UserFactory()
    PlanFactory()
    PaymentFactory(user=me)
    client.force_login(me)
    client.get(BILLING)  # caches the member's premium end, as every later visit finds it
    with CaptureQueriesContext(connection) as few:
        client.get(BILLING)
    for _ in range(10):
        PaymentFactory(user=me)

    with CaptureQueriesContext(connection) as many:
        response = client.get(BILLING)

    assert len(response.context["rows"]) == 11
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_buy_page_query_count_does_not_grow_with_packages(client):
    PackageFactory()
    client.force_login(UserFactory())
    with CaptureQueriesContext(connection) as few:
        client.get(BUY)
    PackageFactory.create_batch(5)

    with CaptureQueriesContext(connection) as many:
        response = client.get(BUY)

    assert len(response.context["packages"]) == 6
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_history_is_paginated(client, hooks):
    me = UserFactory()
    PaymentFactory.create_batch(26, user=me)
    client.force_login(me)

    first = client.get(BILLING)
    second = client.get(f"{BILLING}?page=2")

    assert len(first.context["rows"]) == 25
    assert len(second.context["rows"]) == 1


@pytest.mark.parametrize("path", [BUY, BILLING])
def test_arabic_pages_are_rtl_and_translated_frames(client, hooks, path):
    PackageFactory()
    PlanFactory()
    client.force_login(UserFactory())

    response = client.get(path.replace("/en/", "/ar/"))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'dir="rtl"' in page
    assert 'style="' not in page
    assert "<script>" not in page


def test_the_demo_fills_the_pages_and_runs_twice_without_buying_twice(client):
    # given
    from io import StringIO

    from billing import demo
    from billing.models import Package, Plan
    from demo.context import DemoContext

    member = UserFactory(email="member1@example.test")
    context = DemoContext(users=1, stdout=StringIO(), objects={"members": [member]})

    # when
    demo.seed(context)
    demo.seed(context)

    # then
    assert list(Package.objects.values_list("name_en", "name_ar", "points")) == [
        ("Starter", "باقة البداية", 100),
        ("Popular", "الباقة الشائعة", 500),
        ("Pro", "الباقة الاحترافية", 1200),
    ]
    assert list(Plan.objects.values_list("name_en", "interval")) == [
        ("Premium monthly", "month"),
        ("Premium yearly", "year"),
    ]
    assert payments() == [(member.pk, "succeeded", 100)]
    assert wallet_balance(user=member) == 100
    client.force_login(member)
    page = client.get("/ar/me/wallet/buy/").content.decode()
    assert "الباقة الاحترافية" in page


def test_the_billing_page_names_the_configured_rates(client, hooks, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "user": "800/hour",
            "premium": "4000/hour",
        },
    }
    client.force_login(UserFactory())

    page = client.get(BILLING).content.decode()

    assert "(4000 an hour instead of 800)" in page
