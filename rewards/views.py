"""The member's wallet page: balance, points held in escrow, and the ledger history."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from accounts.http import MemberRequest
from accounts.views import member_page
from rewards import selectors
from rewards.models import reason_label

PAGE_SIZE = 25


@member_page
def wallet(request: MemberRequest) -> HttpResponse:
    """Balance and escrow (two queries), then one page of entries (count, page, their legs)."""
    page = Paginator(selectors.transaction_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        {
            "entry": entry,
            "reason": reason_label(entry.transfer.reason),
            "counterparty": selectors.entry_counterparty(entry),
        }
        for entry in page
    ]
    context = {"summary": selectors.balance_summary(user=request.user), "page": page, "rows": rows}
    return render(request, "rewards/wallet.html", context)
