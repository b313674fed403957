"""The beat task that cancels checkouts nobody finished."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from billing.models import PaymentStatus
from billing.tasks import payments_stale_cancel_task
from tests.billing.factories import PaymentFactory

pytestmark = pytest.mark.django_db


def test_pending_payments_older_than_the_expiry_are_cancelled(settings):
    # given a checkout started three days ago, one started now, and an old succeeded payment
    settings.BILLING_PENDING_EXPIRY_HOURS = 48
    old = PaymentFactory(created_at=timezone.now() - dt.timedelta(days=3))
    fresh = PaymentFactory()
    done = PaymentFactory(
        created_at=timezone.now() - dt.timedelta(days=3), status=PaymentStatus.SUCCEEDED
    )

    # when the task runs (twice: it is idempotent)
    first = payments_stale_cancel_task()
    second = payments_stale_cancel_task()

    # then only the old pending one was cancelled
    assert (first, second) == (1, 0)
    old.refresh_from_db()
    fresh.refresh_from_db()
    done.refresh_from_db()
    assert (old.status, fresh.status, done.status) == ("cancelled", "pending", "succeeded")
