"""Staff analytics: the figures of a period, aggregated in SQL (owner: H5).

``analytics_report(period=...)`` answers every section of the admin dashboard at
``/admin/analytics/`` in a constant number of queries (13, whatever the number of rows): each
section is one ``GROUP BY`` (per day with the database's date truncation in the current time zone,
per status, reason, gateway or category). API latency comes from the request-timing histograms in
the cache (``core.request_timing``), not from the database.

Definitions (also shown on the page):

- active members: members who signed in during the period (their latest sign-in falls in it) or
  did something in it (created an offer, requested a swap, answered or moved a swap, sent a
  message), each counted once;
- completion rate: completed swaps out of the swaps requested in the period that have finished
  (completed, rejected, cancelled or refunded); pending, accepted and disputed ones are still open;
- points issued: what the ledger's sources (signup bonus, purchases, staff grants...) gave in the
  period, by reason; points spent: what left member wallets, by reason;
- payment success rate per gateway: payments that succeeded (later refunds and chargebacks
  included, they had succeeded) out of those that reached an outcome (succeeded, failed or
  cancelled); pending payments are left out;
- open reports and unresolved tickets are counted as they are now; "new" counts those created in
  the period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from billing.models import Payment, PaymentPurpose, PaymentStatus
from community.moderation.models import (
    Report,
    ReportReason,
    ReportStatus,
    Ticket,
    TicketCategory,
    TicketStatus,
)
from core import request_timing
from exchanges.models import Swap
from marketplace.models import Category, Offer
from messaging.models import Message
from rewards.models import SOURCE_KINDS, AccountKind, Entry, reason_label

PERIOD_DAYS = (7, 30, 90)
DEFAULT_DAYS = 30
MAX_PERIOD_DAYS = 366
TOP_CATEGORIES = 10

# A payment that got the money (even if later refunded or charged back) counts as a success.
SUCCEEDED_STATUSES = frozenset(
    {
        PaymentStatus.SUCCEEDED,
        PaymentStatus.REFUNDED,
        PaymentStatus.PARTIALLY_REFUNDED,
        PaymentStatus.CHARGED_BACK,
    }
)
FAILED_STATUSES = frozenset({PaymentStatus.FAILED, PaymentStatus.CANCELLED})
FINISHED_SWAP_STATUSES = frozenset(
    {Swap.Status.COMPLETED, Swap.Status.REJECTED, Swap.Status.CANCELLED, Swap.Status.REFUNDED}
)
UNRESOLVED_TICKET_STATUSES = (TicketStatus.OPEN, TicketStatus.PENDING)


@dataclass(frozen=True)
class Period:
    """Whole days from ``first`` to ``last`` (both included), in the current time zone."""

    first: date
    last: date

    @classmethod
    def last_days(cls, days: int, *, today: date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(first=today - timedelta(days=days - 1), last=today)

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min))

    @property
    def end(self) -> datetime:
        """The first instant after the period."""
        return timezone.make_aware(datetime.combine(self.last + timedelta(days=1), time.min))

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


# --- tables ---------------------------------------------------------------------------------------

TEXT, INT, PERCENT, MS, DATE, DECIMAL = "text", "int", "percent", "ms", "date", "decimal"


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = INT


@dataclass
class Table:
    """One table of the dashboard: raw values (for CSV and charts) and their display."""

    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    note: str = ""

    @property
    def headers(self) -> list[str]:
        return [column.label for column in self.columns]

    @property
    def display_rows(self) -> list[list[str]]:
        return [
            [
                display_value(value, column.kind)
                for value, column in zip(row, self.columns, strict=True)
            ]
            for row in self.rows
        ]

    @property
    def csv_rows(self) -> list[list[Any]]:
        return [
            [csv_value(value, column.kind) for value, column in zip(row, self.columns, strict=True)]
            for row in self.rows
        ]


def display_value(value: Any, kind: str) -> str:
    """A cell as the page shows it, in the active language's number and date formats."""
    if value is None:
        return "—"
    if kind == PERCENT:
        # number_format cuts decimals off without rounding: round first.
        return f"{formats.number_format(round(value * 100, 1), decimal_pos=1)}%"
    if kind == MS:
        return formats.number_format(round(value, 1), decimal_pos=1)
    if kind == DATE:
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if kind == DECIMAL:
        return formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    if kind == INT:
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    return str(value)


def csv_value(value: Any, kind: str) -> Any:
    """A cell as the CSV export writes it: plain numbers (dot decimals), ISO dates."""
    if value is None:
        return ""
    if kind == PERCENT:
        return round(value * 100, 1)
    if kind == MS:
        return round(value, 1)
    if kind == DATE:
        return value.isoformat()
    if kind == DECIMAL:
        return f"{Decimal(value):.2f}"
    return value


# --- the report -----------------------------------------------------------------------------------


@dataclass
class AnalyticsReport:
    period: Period
    totals: dict[str, Any]
    tables: dict[str, Table]


def _per_day(queryset: QuerySet, field_name: str, period: Period) -> dict[date, int]:
    rows = (
        queryset.filter(**{f"{field_name}__gte": period.start, f"{field_name}__lt": period.end})
        .annotate(day=TruncDate(field_name, tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    return {row["day"]: row["n"] for row in rows}


def _in(period: Period, field_name: str) -> Q:
    return Q(**{f"{field_name}__gte": period.start, f"{field_name}__lt": period.end})


def active_member_count(period: Period) -> int:
    """Members who signed in or did something in the period, each once (one UNION query)."""
    user_model = get_user_model()
    acted = Q()
    for moment in ("accepted_at", "rejected_at", "cancelled_at", "completed_at", "disputed_at"):
        acted |= _in(period, moment)
    queries = [
        user_model.objects.filter(_in(period, "last_login")).values_list("id"),
        Offer.objects.filter(_in(period, "created_at")).values_list("owner_id"),
        Swap.objects.filter(_in(period, "created_at")).values_list("requester_id"),
        Swap.objects.filter(acted).values_list("responder_id"),
        Message.objects.filter(_in(period, "created_at"), sender__isnull=False).values_list(
            "sender_id"
        ),
    ]
    queries = [query.order_by() for query in queries]
    return queries[0].union(*queries[1:]).count()


def _daily_table(period: Period) -> Table:
    signups = _per_day(get_user_model().objects.all(), "date_joined", period)
    offers = _per_day(Offer.objects.all(), "created_at", period)
    swaps = _per_day(Swap.objects.all(), "created_at", period)
    return Table(
        key="daily",
        title=_("Sign-ups, offers and swaps per day"),
        columns=[
            Column(_("Day"), DATE),
            Column(_("Sign-ups")),
            Column(_("Offers created")),
            Column(_("Swaps requested")),
        ],
        rows=[
            [day, signups.get(day, 0), offers.get(day, 0), swaps.get(day, 0)] for day in period.days
        ],
    )


def _swaps_table(period: Period) -> tuple[Table, float | None]:
    counts = {
        row["status"]: row["n"]
        for row in Swap.objects.filter(_in(period, "created_at"))
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    }
    finished = sum(n for status, n in counts.items() if status in FINISHED_SWAP_STATUSES)
    rate = counts.get(Swap.Status.COMPLETED, 0) / finished if finished else None
    table = Table(
        key="swaps",
        title=_("Swaps requested in the period, by state"),
        columns=[Column(_("State"), TEXT), Column(_("Swaps"))],
        rows=[[str(status.label), counts.get(status.value, 0)] for status in Swap.Status],
        note=_(
            "Completion rate: completed swaps out of the finished ones (completed, rejected, "
            "cancelled or refunded)."
        ),
    )
    return table, rate


def _points_tables(period: Period) -> tuple[Table, Table]:
    entries = Entry.objects.filter(_in(period, "created_at"))
    issued = (
        entries.filter(account__kind__in=SOURCE_KINDS)
        .values("transfer__reason")
        .annotate(points=Sum("amount"))
        .order_by()
    )
    spent = (
        entries.filter(account__kind=AccountKind.WALLET, amount__lt=0)
        .values("transfer__reason")
        .annotate(points=Sum("amount"))
        .order_by()
    )

    def rows(values: Iterable[Any]) -> list[list[Any]]:
        # Sources and wallet debits are negative amounts: the points issued or spent are -sum.
        found = [[reason_label(row["transfer__reason"]), -int(row["points"])] for row in values]
        return sorted(found, key=lambda row: (-row[1], row[0]))

    return (
        Table(
            key="points_issued",
            title=_("Points issued, by source"),
            columns=[Column(_("Source"), TEXT), Column(_("Points"))],
            rows=rows(issued),
        ),
        Table(
            key="points_spent",
            title=_("Points spent, by reason"),
            columns=[Column(_("Reason"), TEXT), Column(_("Points"))],
            rows=rows(spent),
        ),
    )


def _payment_tables(period: Period) -> tuple[Table, Table]:
    rows = (
        Payment.objects.filter(_in(period, "created_at"))
        .values("gateway", "purpose", "status", "currency")
        .annotate(n=Count("id"), amount=Sum("amount"), points=Sum("points"))
        .order_by()
    )
    gateways: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    purchases: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {"n": 0, "amount": Decimal(0), "points": 0}
    )
    for row in rows:
        totals = gateways[row["gateway"]]
        totals["all"] += row["n"]
        if row["status"] in SUCCEEDED_STATUSES:
            totals["succeeded"] += row["n"]
            if row["purpose"] == PaymentPurpose.POINTS:
                bought = purchases[(row["gateway"], row["currency"])]
                bought["n"] += row["n"]
                bought["amount"] += row["amount"] or 0
                bought["points"] += row["points"] or 0
        elif row["status"] in FAILED_STATUSES:
            totals["failed"] += row["n"]
        else:
            totals["pending"] += row["n"]
    payment_rows = []
    for gateway in sorted(gateways):
        totals = gateways[gateway]
        decided = totals["succeeded"] + totals["failed"]
        rate = totals["succeeded"] / decided if decided else None
        payment_rows.append(
            [gateway, totals["all"], totals["succeeded"], totals["failed"], totals["pending"], rate]
        )
    return (
        Table(
            key="payments",
            title=_("Payments and success rate, by gateway"),
            columns=[
                Column(_("Gateway"), TEXT),
                Column(_("Payments")),
                Column(_("Succeeded")),
                Column(_("Failed or cancelled")),
                Column(_("Pending")),
                Column(_("Success rate"), PERCENT),
            ],
            rows=payment_rows,
            note=_(
                "Success rate: payments that succeeded (later refunds included) out of those that "
                "succeeded, failed or were cancelled."
            ),
        ),
        Table(
            key="purchases",
            title=_("Points purchases, by gateway"),
            columns=[
                Column(_("Gateway"), TEXT),
                Column(_("Currency"), TEXT),
                Column(_("Purchases")),
                Column(_("Amount"), DECIMAL),
                Column(_("Points")),
            ],
            rows=[
                [gateway, currency, bought["n"], bought["amount"], bought["points"]]
                for (gateway, currency), bought in sorted(purchases.items())
            ],
        ),
    )


def _categories_table(period: Period) -> Table:
    offers = {
        row["category_id"]: row["n"]
        for row in Offer.objects.filter(_in(period, "created_at"))
        .values("category_id")
        .annotate(n=Count("id"))
        .order_by()
    }
    swaps = {
        row["category_id"]: row["n"]
        for row in Swap.objects.filter(_in(period, "created_at"), category__isnull=False)
        .values("category_id")
        .annotate(n=Count("id"))
        .order_by()
    }
    ids = set(offers) | set(swaps)
    names = {category.pk: str(category) for category in Category.objects.filter(pk__in=ids)}
    rows = [[names.get(pk, str(pk)), offers.get(pk, 0), swaps.get(pk, 0)] for pk in ids]
    rows.sort(key=lambda row: (-(row[1] + row[2]), -row[2], row[0]))
    return Table(
        key="categories",
        title=_("Top categories, by offers created and swaps requested"),
        columns=[Column(_("Category"), TEXT), Column(_("Offers")), Column(_("Swaps"))],
        rows=rows,
    )


def _moderation_table(period: Period) -> tuple[Table, int, int]:
    new = _in(period, "created_at")
    reports: dict[str, dict[str, Any]] = {
        row["reason"]: dict(row)
        for row in Report.objects.values("reason")
        .annotate(
            open=Count("id", filter=Q(status=ReportStatus.OPEN)),
            new=Count("id", filter=new),
        )
        .order_by()
    }
    tickets: dict[str, dict[str, Any]] = {
        row["category"]: dict(row)
        for row in Ticket.objects.values("category")
        .annotate(
            open=Count("id", filter=Q(status__in=UNRESOLVED_TICKET_STATUSES)),
            new=Count("id", filter=new),
        )
        .order_by()
    }
    rows: list[list[Any]] = []
    for reason in ReportReason:
        found = reports.get(reason.value, {})
        rows.append([_("Report"), str(reason.label), found.get("open", 0), found.get("new", 0)])
    for category in TicketCategory:
        found = tickets.get(category.value, {})
        rows.append([_("Ticket"), str(category.label), found.get("open", 0), found.get("new", 0)])
    open_reports = sum(row["open"] for row in reports.values())
    open_tickets = sum(row["open"] for row in tickets.values())
    table = Table(
        key="moderation",
        title=_("Reports and support tickets"),
        columns=[
            Column(_("Kind"), TEXT),
            Column(_("Reason or topic"), TEXT),
            Column(_("Open now")),
            Column(_("New in the period")),
        ],
        rows=rows,
        note=_("Tickets waiting for the member count as open."),
    )
    return table, open_reports, open_tickets


def _latency_table(period: Period) -> Table:
    rows = request_timing.latency_summary(start=period.start, end=period.end)
    return Table(
        key="latency",
        title=_("API latency, by endpoint (slowest first)"),
        columns=[
            Column(_("Endpoint"), TEXT),
            Column(_("Method"), TEXT),
            Column(_("Requests")),
            Column(_("p50 (ms)"), MS),
            Column(_("p95 (ms)"), MS),
        ],
        rows=[[row.name, row.method, row.count, row.p50_ms, row.p95_ms] for row in rows],
        note=_(
            "Estimated from latency histograms per endpoint and hour (UTC hours overlapping the "
            "period); an estimate falls in the same histogram bucket as the true value."
        ),
    )


def analytics_report(*, period: Period) -> AnalyticsReport:
    """Every figure of the staff dashboard for ``period`` (13 queries, and the cache)."""
    daily = _daily_table(period)
    swaps, completion_rate = _swaps_table(period)
    issued, spent = _points_tables(period)
    payments, purchases = _payment_tables(period)
    categories = _categories_table(period)
    moderation, open_reports, open_tickets = _moderation_table(period)
    latency = _latency_table(period)
    tables = [daily, swaps, issued, spent, payments, purchases, categories, moderation, latency]
    totals = {
        "signups": sum(row[1] for row in daily.rows),
        "active_members": active_member_count(period),
        "offers": sum(row[2] for row in daily.rows),
        "swaps": sum(row[1] for row in swaps.rows),
        "completion_rate": completion_rate,
        "points_issued": sum(row[1] for row in issued.rows),
        "points_spent": sum(row[1] for row in spent.rows),
        "open_reports": open_reports,
        "open_tickets": open_tickets,
    }
    return AnalyticsReport(period=period, totals=totals, tables={t.key: t for t in tables})


def table_report(*, period: Period, key: str) -> Table | None:
    """Only the table ``key`` (the CSV export), or None when there is no such table."""
    builders: dict[str, Callable[[Period], Table]] = {
        "daily": _daily_table,
        "swaps": lambda p: _swaps_table(p)[0],
        "points_issued": lambda p: _points_tables(p)[0],
        "points_spent": lambda p: _points_tables(p)[1],
        "payments": lambda p: _payment_tables(p)[0],
        "purchases": lambda p: _payment_tables(p)[1],
        "categories": _categories_table,
        "moderation": lambda p: _moderation_table(p)[0],
        "latency": _latency_table,
    }
    builder = builders.get(key)
    return builder(period) if builder else None
