"""Every non-trivial read of the points ledger: balances, history, escrow, the audit."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.db.models import (
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import User
from rewards.models import (
    HOLDING_KINDS,
    SINK_KINDS,
    SOURCE_KINDS,
    AccountKind,
    Entry,
    LedgerAccount,
    Transfer,
    WalletLimit,
    reason_label,
    reference_ids,
)


def wallet_get(*, user: User) -> LedgerAccount | None:
    """The member's wallet, or None when it was never opened."""
    return LedgerAccount.objects.filter(kind=AccountKind.WALLET, user=user).first()


@functools.cache
def _wallet_balance_sql(alias: str) -> str:
    quote = connections[alias].ops.quote_name
    meta = LedgerAccount._meta
    table, balance = quote(meta.db_table), quote(meta.get_field("balance").column)
    user, kind = quote(meta.get_field("user").column), quote(meta.get_field("kind").column)
    # Identifiers from the model's own metadata, quoted; the values are parameters.
    return f"SELECT {balance} FROM {table} WHERE {user} = %s AND {kind} = %s"  # noqa: S608


def wallet_balance(*, user: User) -> int:
    """Points the member can spend now (escrowed points are not included).

    One indexed row read with plain SQL: the profile and the transfer answer read it on every
    request, and building the ORM query cost more CPU than running it (docs/benchmarks.md).
    """
    alias = router.db_for_read(LedgerAccount)
    with connections[alias].cursor() as cursor:
        cursor.execute(_wallet_balance_sql(alias), [user.pk, AccountKind.WALLET.value])
        row = cursor.fetchone()
    return row[0] if row is not None and row[0] is not None else 0


def escrow_held(*, reference: str) -> int:
    """Points currently held in escrow for ``reference`` ("swap:42")."""
    balance = (
        LedgerAccount.objects.filter(kind=AccountKind.ESCROW, reference=reference)
        .values_list("balance", flat=True)
        .first()
    )
    return balance or 0


def wallet_held_in_escrow(*, user: User) -> int:
    """Points the member has put in escrow that are still there (one query).

    For each escrow account still holding points: what the member put in minus what came back
    to them, capped by what the escrow still holds.
    """
    rows = (
        Entry.objects.filter(
            account__kind=AccountKind.WALLET,
            account__user_id=user.pk,
            transfer__entries__account__kind=AccountKind.ESCROW,
            transfer__entries__account__balance__gt=0,
        )
        .values("transfer__entries__account_id", "transfer__entries__account__balance")
        .annotate(net=Sum("amount"))
        .order_by()
    )
    return sum(
        min(row["transfer__entries__account__balance"], -row["net"])
        for row in rows
        if row["net"] < 0
    )


# --- wallet limits ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WalletLimits:
    """A member's effective limits in points; 0 means no limit."""

    max_balance: int
    daily_spend_limit: int


def wallet_limits_effective(
    *, max_balance: int | None, daily_spend_limit: int | None
) -> WalletLimits:
    """Staff's override where set (not None), else the site's settings."""
    return WalletLimits(
        max_balance=settings.WALLET_MAX_BALANCE if max_balance is None else max_balance,
        daily_spend_limit=(
            settings.WALLET_DAILY_SPEND_LIMIT if daily_spend_limit is None else daily_spend_limit
        ),
    )


def wallet_limits(*, user: User) -> WalletLimits:
    """The member's effective wallet limits (one query)."""
    override = (
        WalletLimit.objects.filter(user_id=user.pk)
        .values("max_balance", "daily_spend_limit")
        .first()
    ) or {"max_balance": None, "daily_spend_limit": None}
    return wallet_limits_effective(**override)


def points_display(points: int) -> str:
    """``5000`` → ``"5,000"`` in the active language's number format."""
    return formats.number_format(points, force_grouping=True)


def max_balance_message(*, limit: int, own: bool = True) -> str:
    if own:
        return _("This would exceed your maximum balance of %(limit)s points.") % {
            "limit": points_display(limit)
        }
    return _("This would exceed the recipient's maximum balance of %(limit)s points.") % {
        "limit": points_display(limit)
    }


def daily_spend_message(*, limit: int, left: int) -> str:
    return _(
        "This would exceed your daily spend limit of %(limit)s points; %(left)s left today."
    ) % {"limit": points_display(limit), "left": points_display(max(left, 0))}


def wallet_credit_refusal(*, user: User, amount: int) -> str | None:
    """None when crediting ``amount`` points to ``user``'s wallet now stays within their maximum
    balance; else the member-facing reason naming the limit (in the active language).

    Billing asks this BEFORE charging money for points: a purchase credit is never refused by the
    ledger once the money was taken. Reads without a lock (two queries), so it is advice, not a
    guarantee: a transfer landing meanwhile can still take the wallet over the maximum, which the
    purchase credit then tolerates.
    """
    limit = wallet_limits(user=user).max_balance
    if limit <= 0:
        return None
    if wallet_balance(user=user) + amount > limit:
        return max_balance_message(limit=limit)
    return None


@dataclass(frozen=True)
class BalanceSummary:
    id: int | None
    user: int
    balance: int
    held_in_escrow: int
    updated_at: datetime | None


def balance_summary(*, user: User) -> BalanceSummary:
    """Seed 003's balance shape plus what is held in escrow (two queries)."""
    wallet = wallet_get(user=user)
    return BalanceSummary(
        id=wallet.pk if wallet else None,
        user=user.pk,
        balance=wallet.balance if wallet else 0,
        held_in_escrow=wallet_held_in_escrow(user=user) if wallet else 0,
        updated_at=wallet.updated_at if wallet else None,
    )


def transaction_list(*, user: User) -> QuerySet[Entry]:
    """The member's wallet entries, newest first, with each transfer's other legs prefetched.

    Three queries whatever the page size: the count, the page, the legs of its transfers (with
    their accounts and users) for the counterparty.
    """
    legs = Entry.objects.select_related("account__user").order_by("id")
    return (
        Entry.objects.filter(account__kind=AccountKind.WALLET, account__user_id=user.pk)
        .select_related("transfer")
        .prefetch_related(Prefetch("transfer__entries", queryset=legs, to_attr="legs"))
        .order_by("-id")
    )


def entry_counterparty(entry: Entry) -> dict[str, Any]:
    """Who or what is on the other side of ``entry`` (needs ``transaction_list``'s prefetch)."""
    others = [
        leg for leg in getattr(entry.transfer, "legs", []) if leg.account_id != entry.account_id
    ]
    if not others:
        return {"kind": "unknown", "user_id": None, "name": ""}
    other = others[0].account
    if other.kind == AccountKind.WALLET:
        return {"kind": "user", "user_id": other.user_id, "name": other.user.public_name}
    return {"kind": other.kind, "user_id": None, "name": str(other.get_kind_display())}


def points_export(user: User) -> dict[str, Any]:
    """The ``points`` section of the member's data export (GET auth/export)."""
    summary = balance_summary(user=user)
    entries = transaction_list(user=user)
    return {
        "balance": summary.balance,
        "held_in_escrow": summary.held_in_escrow,
        "transactions": [
            {
                "id": entry.pk,
                "type": "credit" if entry.amount > 0 else "debit",
                "amount": abs(entry.amount),
                "reason": entry.transfer.reason,
                "reason_display": reason_label(entry.transfer.reason),
                "description": entry.transfer.description,
                "reference": entry.transfer.reference,
                "counterparty": entry_counterparty(entry),
                "balance_after": entry.balance_after,
                "created_at": entry.created_at.isoformat(),
                **{
                    f"related_{kind}_id": ref
                    for kind, ref in reference_ids(entry.transfer.reference).items()
                },
            }
            for entry in entries
        ],
    }


# --- audit ---------------------------------------------------------------------------------------


@dataclass
class AuditReport:
    """What ``manage.py ledger_audit`` found; ``ok`` when every check passed."""

    accounts: int = 0
    transfers: int = 0
    entries: int = 0
    total_balance: int = 0
    balance_mismatches: list[dict[str, Any]] = field(default_factory=list)
    sign_violations: list[dict[str, Any]] = field(default_factory=list)
    unbalanced_transfers: list[dict[str, Any]] = field(default_factory=list)
    running_balance_mismatches: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.balance_mismatches
            or self.sign_violations
            or self.unbalanced_transfers
            or self.running_balance_mismatches
            or self.total_balance != 0
        )


def ledger_audit_report(*, limit: int = 100) -> AuditReport:
    """Recompute every balance from the entries and check every transfer sums to zero.

    Reads without locks, in one transaction's snapshot when called inside ``atomic`` (the command
    runs it under REPEATABLE READ on PostgreSQL so concurrent transfers cannot skew it).
    ``limit`` caps how many offenders of each kind are listed.
    """
    report = AuditReport()
    report.accounts = LedgerAccount.objects.count()
    report.transfers = Transfer.objects.count()
    report.entries = Entry.objects.count()
    report.total_balance = LedgerAccount.objects.aggregate(total=Coalesce(Sum("balance"), 0))[
        "total"
    ]

    entry_sum = (
        Entry.objects.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    mismatched = (
        LedgerAccount.objects.select_related("user")
        .annotate(computed=Coalesce(Subquery(entry_sum), Value(0)))
        .exclude(balance=F("computed"))
        .order_by("pk")[:limit]
    )
    report.balance_mismatches = [
        {
            "account": account.pk,
            "label": str(account),
            "cached": account.balance,
            "computed": account.computed,
        }
        for account in mismatched
    ]

    wrong_sign = (
        LedgerAccount.objects.select_related("user")
        .filter(
            Q(kind__in=HOLDING_KINDS, balance__lt=0)
            | Q(kind__in=SOURCE_KINDS, balance__gt=0)
            | Q(kind__in=SINK_KINDS, balance__lt=0)
        )
        .order_by("pk")[:limit]
    )
    report.sign_violations = [
        {"account": account.pk, "label": str(account), "balance": account.balance}
        for account in wrong_sign
    ]

    unbalanced = (
        Transfer.objects.annotate(total=Coalesce(Sum("entries__amount"), 0), legs=Count("entries"))
        .filter(~Q(total=0) | Q(legs__lt=2))
        .order_by("pk")
        .values("pk", "total", "legs")[:limit]
    )
    report.unbalanced_transfers = [
        {"transfer": row["pk"], "sum": row["total"], "entries": row["legs"]} for row in unbalanced
    ]

    running = Entry.objects.annotate(
        running=Window(Sum("amount"), partition_by=[F("account_id")], order_by=F("id").asc())
    )
    drifted = running.exclude(balance_after=F("running")).order_by("pk")[:limit]
    report.running_balance_mismatches = [
        {
            "entry": entry.pk,
            "account": entry.account_id,
            "balance_after": entry.balance_after,
            "computed": entry.running,
        }
        for entry in drifted
    ]
    return report
