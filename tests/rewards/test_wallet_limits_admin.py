"""Staff set a member's wallet limits: ``wallet_limit_set`` and its Wagtail admin screens."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.utils import translation

from core.exceptions import Forbidden, ValidationFailed
from rewards.models import WalletLimit
from rewards.services import WALLET_LIMIT_MAX, wallet_limit_set
from tests.accounts.factories import UserFactory
from tests.rewards.factories import granter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def admin_client(client):
    client.force_login(granter())
    return client


def test_wallet_limit_set_records_who_and_replaces_the_previous_override():
    # given a member and a staff member
    member, staff = UserFactory(), granter()

    # when staff set, then change, the member's limits
    wallet_limit_set(user=member, max_balance=5000, daily_spend_limit=None, set_by=staff)
    limit = wallet_limit_set(
        user=member, max_balance=None, daily_spend_limit=300, note=" trusted\u202e ", set_by=staff
    )

    # then one override, the latest values, who set it, the note cleaned
    assert WalletLimit.objects.filter(user=member).count() == 1
    limit.refresh_from_db()
    assert (limit.max_balance, limit.daily_spend_limit) == (None, 300)
    assert limit.note == "trusted"
    assert limit.set_by == staff


def test_wallet_limit_set_refuses_a_member_without_the_permission():
    member, moderator = UserFactory(), UserFactory(is_staff=True)

    with pytest.raises(Forbidden):
        wallet_limit_set(user=member, max_balance=1, daily_spend_limit=1, set_by=moderator)

    assert not WalletLimit.objects.exists()


@pytest.mark.parametrize("value", [-1, WALLET_LIMIT_MAX + 1, True, 1.5])
def test_wallet_limit_set_refuses_bad_numbers(value):
    member = UserFactory()

    with pytest.raises(ValidationFailed) as error:
        wallet_limit_set(user=member, max_balance=value, daily_spend_limit=None, set_by=granter())

    assert set(error.value.fields) == {"max_balance"}
    assert not WalletLimit.objects.exists()


def test_administrators_may_change_limits_and_moderators_only_view_them():
    administrators = Group.objects.get(name="Administrators")
    moderators = Group.objects.get(name="Moderators")

    assert {
        "add_walletlimit",
        "change_walletlimit",
        "delete_walletlimit",
        "view_walletlimit",
    } <= set(administrators.permissions.values_list("codename", flat=True))
    moderator_codes = set(moderators.permissions.values_list("codename", flat=True))
    assert "view_walletlimit" in moderator_codes
    assert "change_walletlimit" not in moderator_codes


def test_staff_add_an_override_by_email_in_the_admin(admin_client):
    # given a member
    member = UserFactory(email="ann@example.test")

    # when staff fill the add form
    response = admin_client.post(
        "/admin/wallet_limits/new/",
        {
            "email": "ANN@example.test",
            "max_balance": "5000",
            "daily_spend_limit": "",
            "note": "new member",
        },
    )

    # then the override exists, set by them
    assert response.status_code == 302
    limit = WalletLimit.objects.get(user=member)
    assert (limit.max_balance, limit.daily_spend_limit, limit.note) == (5000, None, "new member")
    assert limit.set_by == granter()


def test_the_admin_form_refuses_an_unknown_member_and_negative_numbers(admin_client):
    response = admin_client.post(
        "/admin/wallet_limits/new/",
        {"email": "nobody@example.test", "max_balance": "-5", "daily_spend_limit": "", "note": ""},
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"email", "max_balance"}
    assert not WalletLimit.objects.exists()


def test_staff_edit_an_override_and_the_list_shows_it(admin_client):
    # given an override
    member = UserFactory(email="bob@example.test")
    limit = wallet_limit_set(user=member, max_balance=10, daily_spend_limit=10, set_by=granter())

    # when staff edit it
    response = admin_client.post(
        f"/admin/wallet_limits/edit/{limit.pk}/",
        {"max_balance": "", "daily_spend_limit": "250", "note": "raised"},
    )

    # then it changed, and the list renders it
    assert response.status_code == 302
    limit.refresh_from_db()
    assert (limit.max_balance, limit.daily_spend_limit, limit.note) == (None, 250, "raised")
    listing = admin_client.get("/admin/wallet_limits/?q=bob")
    assert listing.status_code == 200
    assert "raised" in listing.content.decode()


def test_members_without_the_permission_get_no_wallet_limit_screens(client):
    client.force_login(UserFactory(is_staff=True))
    member = UserFactory()

    response = client.post(
        "/admin/wallet_limits/new/",
        {"email": member.email, "max_balance": "1", "daily_spend_limit": "", "note": ""},
    )

    assert response.status_code in (302, 403)
    assert not WalletLimit.objects.exists()
