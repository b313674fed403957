"""What the busiest move costs in queries: accepting a paid request that clashes with nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from exchanges import services
from exchanges.models import SessionBooking, Swap
from rewards.models import LedgerAccount
from tests.exchanges.factories import points_swap

# On PostgreSQL, inside the test's transaction: the accept's SAVEPOINT/RELEASE, the swap row lock,
# the diary advisory locks (one statement), the overlap check, both bookings (one INSERT), the
# escrow hold (SAVEPOINT, wallet lock, opening the escrow account, locking both, idempotency check,
# SAVEPOINT/INSERT/RELEASE of the transfer, the entries, the balances, RELEASE), the swap UPDATE,
# the notification (preference, INSERT) and one Google-link check for both parties. SQLite takes
# one fewer (no advisory lock). It was 36 (34 on SQLite) before the locks, the bookings'
# savepoint, the escrow opening, the swap update and the Google check were folded, and before the
# ledger rows opted out of Wagtail's reference index (4 queries per transfer).
ACCEPT_MAX_QUERIES = 21


@pytest.mark.django_db
def test_paid_accept_runs_a_bounded_number_of_queries(django_assert_max_num_queries):
    # given a loaded URLconf, as in a serving process (registering Wagtail's admin viewsets puts
    # swaps and transfers in its reference index, which costs queries on every save)
    reverse("wagtailadmin_home")
    pending = points_swap(points=30, balance=100)
    swap = Swap.objects.get(pk=pending.pk)
    responder = swap.responder

    # when
    with django_assert_max_num_queries(ACCEPT_MAX_QUERIES):
        services.swap_accept(swap=swap, actor=responder)

    # then
    swap.refresh_from_db()
    assert swap.status == Swap.Status.ACCEPTED
    assert SessionBooking.objects.filter(swap=swap).count() == 2
    assert LedgerAccount.objects.get(user=swap.requester).balance == 70
    assert LedgerAccount.objects.get(kind="escrow", reference=swap.reference).balance == 30
