"""In a real browser: buy points on the sandbox from the wallet page and see the balance change;
the billing pages pass axe in both languages."""

from __future__ import annotations

import re

import pytest

from rewards.selectors import wallet_balance
from tests.accounts.factories import UserFactory
from tests.billing.factories import PackageFactory, PlanFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(live_server_url):
    """A member with an empty wallet, two packages and a plan on sale."""
    PackageFactory(name_en="Starter", name_ar="باقة البداية", points=100)
    PackageFactory(name_en="Popular", name_ar="الباقة الشائعة", points=500)
    PlanFactory(name_en="Premium monthly", name_ar="المميز الشهري")
    return UserFactory(first_name="Ann", last_name="Lee")


def test_a_member_buys_points_on_the_sandbox_and_sees_the_balance_change(new_context, shop):
    # given the member on their wallet page
    page = new_context(shop).new_page()
    page.goto("/en/me/wallet/")
    assert page.locator(".stat-value").first.inner_text() == "0"

    # when they follow "Buy points", pick the 500 points package and the sandbox, and pay
    page.locator(".buy-points").get_by_role("link", name="Buy points").click()
    page.wait_for_url("**/en/me/wallet/buy/")
    page.get_by_label("Popular").check()
    page.get_by_label("Test payment (sandbox: no money moves)").check()
    page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_url("**/en/me/wallet/buy/*/done/")

    # then the done page confirms it and the wallet shows the new balance
    assert "500 points were added to your wallet." in page.locator("#payment-status").inner_text()
    page.get_by_role("link", name="Go to the wallet").click()
    page.wait_for_url("**/en/me/wallet/")
    assert page.locator(".stat-value").first.inner_text() == "500"
    assert wallet_balance(user=shop) == 500


def test_a_member_subscribes_on_the_sandbox_and_cancels(new_context, shop):
    # given the member on the billing page
    page = new_context(shop).new_page()
    page.goto("/en/me/billing/")

    # when they subscribe, then cancel at the period's end
    page.get_by_role("button", name=re.compile(r"^Subscribe\W+Premium monthly$")).click()
    page.wait_for_url("**/en/me/billing/")
    assert "You are now a premium member." in page.locator(".messages").inner_text()
    page.get_by_role("button", name="Cancel at the end of the period").click()
    page.wait_for_url("**/en/me/billing/")

    # then the plan says it will not renew
    assert "it will not renew" in page.locator(".current-plan").inner_text()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_billing_pages_pass_axe(new_context, axe_check, shop, lang):
    page = new_context(shop, locale=lang).new_page()

    page.goto(f"/{lang}/me/wallet/buy/")
    page.locator("input[name=package]").first.check()
    page.locator("input[name=gateway][value=sandbox]").check()
    page.locator("form.buy-form button[type=submit]").click()
    page.wait_for_url(f"**/{lang}/me/wallet/buy/*/done/")
    done = page.url

    for path in [
        f"/{lang}/me/wallet/",
        f"/{lang}/me/wallet/buy/",
        done,
        f"/{lang}/me/wallet/buy/cancelled/",
        f"/{lang}/me/billing/",
    ]:
        page.goto(path)
        assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
        violations = axe_check(page)
        assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []
