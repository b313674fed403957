"""A badge is awarded exactly once under concurrent crossings, on PostgreSQL (real threads)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from messaging.models import Notification
from rewards import badges
from rewards.models import BadgeAward, Counter, Reason, Transfer
from tests.accounts.factories import UserFactory
from tests.rewards.factories import make_badge
from tests.rewards.test_concurrency import in_parallel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_crossings_award_once_pay_once_and_notify_once():
    # given a badge paying 7 points at bronze, and six events crossing it at once without the
    # counter row lock (the partial unique constraint alone must hold)
    member = UserFactory()
    make_badge(slug="teacher", reward_bronze=7)

    def cross(_index: int) -> None:
        with transaction.atomic():
            badges.badges_on_counter_changed(
                user_id=member.pk, counter=Counter.SESSIONS_TAUGHT, old=0, new=1
            )

    # when
    results = in_parallel(6, cross)

    # then
    assert [r for r in results if isinstance(r, Exception)] == []
    award = BadgeAward.objects.get()
    assert award.tier == "bronze"
    reward = Transfer.objects.get(reason=Reason.BADGE_REWARD)
    assert reward.idempotency_key == f"badge-award:{award.pk}"
    assert Notification.objects.filter(recipient=member, kind="badge_earned").count() == 1
    out = StringIO()
    call_command("ledger_audit", stdout=out)
    assert "Ledger OK." in out.getvalue()
