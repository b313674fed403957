"""Billing in the Wagtail admin: packages, payments (filters, CSV, refund), shortfalls."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import Package, Payment, PaymentStatus
from billing.services import purchase_start
from rewards.selectors import wallet_balance
from rewards.services import points_transfer
from tests.accounts.factories import UserFactory
from tests.billing.factories import PackageFactory, PlanFactory
from tests.rewards.factories import balances, granter

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(granter())
    return client


@pytest.fixture
def bought():
    member = UserFactory(email="buyer@example.test")
    package = PackageFactory(points=100, price=Decimal("10.00"))
    return purchase_start(user=member, package=package, gateway_name="sandbox").payment


@pytest.mark.parametrize(
    "path",
    [
        "/admin/billing_payments/",
        "/admin/billing_payments/?status=succeeded&gateway=sandbox",
        "/admin/billing_shortfalls/",
        "/admin/billing_packages/",
        "/admin/billing_plans/",
        "/admin/billing_subscriptions/",
        "/admin/billing_events/",
    ],
)
def test_billing_screens_render(admin_client, bought, path):
    PlanFactory()
    assert admin_client.get(path).status_code == 200


def test_the_payment_page_offers_a_refund(admin_client, bought):
    response = admin_client.get(f"/admin/billing_payments/inspect/{bought.pk}/")
    assert response.status_code == 200
    assert f"/admin/billing_payments/refund/{bought.pk}/" in response.content.decode()


def test_payments_export_as_csv(admin_client, bought):
    response = admin_client.get("/admin/billing_payments/?export=csv")
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode()
    header, row = content.splitlines()[:2]
    assert header.startswith("ID,Member,Gateway,Purpose,Package,Amount,Currency,Points,Status")
    assert row.startswith(f"{bought.pk},")
    assert ",sandbox," in row
    assert "10.00" in row


def test_staff_create_a_package_in_both_languages(admin_client):
    response = admin_client.post(
        "/admin/billing_packages/new/",
        {
            "name_en": "Starter",
            "name_ar": "البداية",
            "description_en": "",
            "description_ar": "",
            "points": "100",
            "price": "10.00",
            "currency": "USD",
            "active": "on",
            "sort_order": "1",
        },
    )
    assert response.status_code == 302
    package = Package.objects.get()
    assert (package.name_en, package.name_ar, package.points) == ("Starter", "البداية", 100)


def test_staff_refund_from_the_admin_takes_the_points_back(admin_client, bought):
    # when staff refund 5.00 of a 10.00 payment
    response = admin_client.post(f"/admin/billing_payments/refund/{bought.pk}/", {"amount": "5.00"})

    # then half the points went back
    assert response.status_code == 302
    bought.refresh_from_db()
    assert bought.status == PaymentStatus.PARTIALLY_REFUNDED
    assert wallet_balance(user=bought.user) == 50


def test_a_refund_over_what_is_left_shows_the_error_and_changes_nothing(admin_client, bought):
    before = balances()
    response = admin_client.post(
        f"/admin/billing_payments/refund/{bought.pk}/", {"amount": "50.00"}
    )
    assert response.status_code == 200
    assert "at most 10.00 USD" in response.content.decode()
    bought.refresh_from_db()
    assert bought.status == PaymentStatus.SUCCEEDED
    assert balances() == before


def test_a_member_without_the_permission_cannot_refund(client, bought):
    editor = UserFactory(is_staff=True)
    client.force_login(editor)
    response = client.post(f"/admin/billing_payments/refund/{bought.pk}/", {"amount": "5.00"})
    assert response.status_code in (302, 403)
    bought.refresh_from_db()
    assert bought.status == PaymentStatus.SUCCEEDED


def test_a_shortfall_is_listed_until_resolved(admin_client, bought):
    # given a refund after the member spent 80 of the 100 points
    points_transfer(source=bought.user, target=UserFactory(), amount=80, reason="tip")
    admin_client.post(f"/admin/billing_payments/refund/{bought.pk}/", {"amount": ""})
    listed = admin_client.get("/admin/billing_shortfalls/").content.decode()
    assert "buyer@example.test" in listed or bought.user.get_full_name() in listed
    assert Payment.objects.get().shortfall_points == 80

    # when staff mark it resolved
    response = admin_client.post(f"/admin/billing_payments/resolve/{bought.pk}/", {})

    # then it leaves the list
    assert response.status_code == 302
    assert Payment.objects.get().shortfall_open is False


def test_the_dashboard_flags_open_shortfalls(admin_client, bought):
    # given no shortfall, the dashboard says nothing about them
    assert "refund shortfall" not in admin_client.get("/admin/").content.decode()

    # when a refund leaves one (the member spent the points)
    points_transfer(source=bought.user, target=UserFactory(), amount=100, reason="tip")
    admin_client.post(f"/admin/billing_payments/refund/{bought.pk}/", {"amount": ""})

    # then the dashboard links staff to it
    page = admin_client.get("/admin/").content.decode()
    assert "1 refund shortfall waits for staff" in page
    assert "/admin/billing_shortfalls/" in page
