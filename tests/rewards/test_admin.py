"""The ledger in the Wagtail admin: read-only screens and the staff "grant points" form."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group

from rewards.models import Entry, LedgerAccount, Transfer
from rewards.selectors import wallet_balance
from rewards.services import escrow_hold, points_transfer
from tests.accounts.factories import UserFactory
from tests.rewards.factories import balances, funded_user, granter

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(granter())
    return client


@pytest.fixture
def ledger():
    ann, bob = funded_user(10, email="ann@example.test"), funded_user(0, email="bob@example.test")
    points_transfer(source=ann, target=bob, amount=4, reason="tip", reference="swap:3")
    escrow_hold(user=bob, amount=1, reference="swap:4", idempotency_key="h")
    return ann, bob


def form_request_id(html: str) -> str:
    return re.search(r'name="request_id" value="([0-9a-f-]{36})"', html).group(1)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/ledger_accounts/",
        "/admin/ledger_accounts/?kind=wallet&q=ann",
        "/admin/ledger_transfers/",
        "/admin/ledger_transfers/?reason=tip&created_at_after=2020-01-01",
        "/admin/ledger_entries/",
        "/admin/ledger_entries/?type=debit&account__kind=wallet&q=swap",
    ],
)
def test_ledger_lists_render_with_filters(admin_client, ledger, path):
    response = admin_client.get(path)

    assert response.status_code == 200


def test_ledger_lists_filter_what_they_show(admin_client, ledger):
    wallets = admin_client.get("/admin/ledger_accounts/?kind=escrow").content.decode()
    tips = admin_client.get("/admin/ledger_transfers/?reason=tip").content.decode()

    assert "Escrow for swap:4" in wallets
    assert "Wallet of" not in wallets
    assert "(tip)" in tips
    assert "(staff_grant)" not in tips


def test_ledger_inspect_views_render(admin_client, ledger):
    account = LedgerAccount.objects.get(user=ledger[0])
    transfer = Transfer.objects.get(reason="tip")
    entry = Entry.objects.filter(transfer=transfer).first()

    for path in (
        f"/admin/ledger_accounts/inspect/{account.pk}/",
        f"/admin/ledger_transfers/inspect/{transfer.pk}/",
        f"/admin/ledger_entries/inspect/{entry.pk}/",
    ):
        assert admin_client.get(path).status_code == 200, path


def test_ledger_has_no_add_edit_or_delete_screens(admin_client, ledger):
    transfer = Transfer.objects.get(reason="tip")
    before = balances()

    for path in (
        "/admin/ledger_transfers/new/",
        f"/admin/ledger_transfers/edit/{transfer.pk}/",
        f"/admin/ledger_transfers/delete/{transfer.pk}/",
        f"/admin/ledger_entries/delete/{transfer.entries.first().pk}/",
        "/admin/ledger_accounts/new/",
    ):
        assert admin_client.post(path).status_code == 404, path

    assert balances() == before
    assert Transfer.objects.filter(pk=transfer.pk).exists()


def test_grant_form_credits_the_member_and_records_the_staff_member(admin_client, ledger):
    # given
    ann = ledger[0]
    page = admin_client.get("/admin/ledger_grant/?email=ann@example.test")
    assert page.status_code == 200
    payload = {
        "email": "ANN@example.test",
        "amount": "15",
        "reason": "Helped at the meetup",
        "request_id": form_request_id(page.content.decode()),
    }

    # when the form is submitted twice (double click, back and resubmit)
    first = admin_client.post("/admin/ledger_grant/", payload)
    second = admin_client.post("/admin/ledger_grant/", payload)

    # then the member is credited once, and the ledger says who granted and why
    grant = Transfer.objects.get(reason="staff_grant", description="Helped at the meetup")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == f"/admin/ledger_transfers/inspect/{grant.pk}/"
    assert grant.initiated_by.email == "granter@example.test"
    assert wallet_balance(user=ann) == 6 + 15


def test_grant_form_rejects_an_unknown_member(admin_client, ledger):
    before = balances()
    page = admin_client.get("/admin/ledger_grant/").content.decode()

    response = admin_client.post(
        "/admin/ledger_grant/",
        {
            "email": "nobody@example.test",
            "amount": "5",
            "reason": "x",
            "request_id": form_request_id(page),
        },
    )

    assert response.status_code == 200
    assert "There is no active member with this e-mail address." in response.content.decode()
    assert balances() == before


def test_moderators_read_the_ledger_but_cannot_grant(client, ledger):
    # given a member of the Moderators role group
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(moderator)
    before = balances()

    # when
    listing = client.get("/admin/ledger_accounts/")
    grant_page = client.get("/admin/ledger_grant/")
    grant_post = client.post(
        "/admin/ledger_grant/",
        {"email": "ann@example.test", "amount": "5", "reason": "x", "request_id": str(1)},
    )

    # then
    assert listing.status_code == 200
    assert "Grant points" not in listing.content.decode()
    assert grant_page.status_code == 302
    assert grant_post.status_code == 302
    assert balances() == before


def test_administrators_may_grant(ledger):
    admin = UserFactory(is_staff=True)
    admin.groups.add(Group.objects.get(name="Administrators"))

    assert admin.has_perm("rewards.grant_points")
    assert admin.has_perm("rewards.view_entry")
