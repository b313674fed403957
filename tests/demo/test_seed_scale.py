"""``manage.py seed_scale``: exact counts, members who can sign in, offers found in both
languages, a clean ledger, and a second run refused (SQLite, and PostgreSQL with COPY)."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.models import User
from demo.scale import GRANT_POINTS, PASSWORD, member_email
from marketplace.models import AvailabilitySlot, Offer
from marketplace.services import offer_search_refresh
from messaging.models import Message, Thread, ThreadParticipant
from rewards.models import LedgerAccount
from rewards.selectors import ledger_audit_report

USERS, OFFERS, THREADS, MESSAGES = 40, 120, 20, 80


def _seed(*extra: str, users: int = USERS, offers: int = OFFERS) -> None:
    call_command(
        "seed_scale",
        "--users", str(users), "--offers", str(offers), "--threads", str(THREADS),
        "--messages", str(MESSAGES), "--seed", "7", *extra, verbosity=0,
    )  # fmt: skip


def _scale_members():
    return User.objects.filter(email__startswith="member", email__endswith="@scale.skillswap.test")


def _check_seeded() -> None:
    # then: exact counts
    members = _scale_members()
    assert members.count() == USERS
    assert Offer.objects.filter(owner__in=members, status="active").count() == OFFERS
    assert (
        EmailAddress.objects.filter(user__in=members, verified=True, primary=True).count() == USERS
    )
    assert AvailabilitySlot.objects.filter(user__in=members).count() == USERS * 7
    assert Thread.objects.filter(kind="direct", user_low__in=members).count() == THREADS
    assert ThreadParticipant.objects.filter(user__in=members).count() == THREADS * 2
    assert Message.objects.filter(sender__in=members).count() == MESSAGES
    assert Thread.objects.filter(kind="direct", last_message__isnull=True).count() == 0
    # experts (odd members) sell in points, members (even) swap
    assert (
        Offer.objects.filter(owner__in=members, price_points=0)
        .exclude(owner__email__regex=r"member\d*[02468]@")
        .count()
        == 0
    )
    assert members.get(email=member_email(3)).role == "expert"
    assert members.get(email=member_email(4)).role == "member"
    # and: wallets through the ledger, which balances
    wallets = LedgerAccount.objects.filter(kind="wallet", user__in=members)
    assert sorted(set(wallets.values_list("balance", flat=True))) == [GRANT_POINTS]
    assert ledger_audit_report().ok
    # and: every member signs in with the password
    client = APIClient()
    for index in (1, USERS // 2, USERS):
        answer = client.post(
            "/api/v1/auth/login",
            {"email": member_email(index), "password": PASSWORD},
            format="json",
        )
        assert answer.status_code == 200, answer.content
    # and: offers are found in English and Arabic
    for word in ("python", "بايثون", "guitar", "العود"):
        answer = client.get("/api/v1/offers/", {"search": word})
        assert answer.status_code == 200
        assert answer.json()["count"] > 0, word
    # and: the search documents are the ones the marketplace itself builds
    offers = list(Offer.objects.filter(owner__in=members).order_by("id")[:25])
    before = {o.pk: (o.search_text, str(o.search_vector)) for o in offers}
    offer_search_refresh(offer_ids=list(before))
    after = {
        o.pk: (o.search_text, str(o.search_vector)) for o in Offer.objects.filter(pk__in=before)
    }
    assert after == before


def _check_refused() -> None:
    # given: the first run's rows
    counts = (User.objects.count(), Offer.objects.count(), Message.objects.count())
    # when: a second run without --append
    with pytest.raises(CommandError, match="already exist"):
        _seed()
    # then: nothing changed
    assert (User.objects.count(), Offer.objects.count(), Message.objects.count()) == counts


@pytest.mark.django_db
def test_seed_scale_fills_the_database_and_refuses_a_second_run():
    # given: an empty database; when: seeded (COPY on PostgreSQL, bulk_create on SQLite: the
    # command chooses by the database it runs on, so CI proves the COPY path)
    _seed()
    _check_seeded()
    _check_refused()


@pytest.mark.django_db
def test_seed_scale_append_adds_members_after_the_existing_ones():
    # given: a first run
    _seed(users=6, offers=6)
    # when: a second one with --append
    _seed("--append", users=4, offers=4)
    # then: the members are numbered on, and the ledger still balances
    assert _scale_members().count() == 10
    assert _scale_members().filter(email=member_email(10)).exists()
    assert ledger_audit_report().ok
