"""Reads of moderation: a member's reports and tickets, the queue grouped by target, staff lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import (
    Count,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from accounts.models import User
from accounts.roles import Role, with_role
from community.moderation.models import (
    Report,
    ReportReason,
    ReportStatus,
    Ticket,
    TicketReply,
)
from community.moderation.targets import ReportableKind, reportable

# Points a member earns by their sessions (rewards.models.Reason codes).
EARNING_REASONS = ("swap_payment", "swap_settlement", "tip")


def report_list(*, user: User) -> QuerySet[Report]:
    """The reports ``user`` made, newest first."""
    return Report.objects.filter(reporter=user).order_by("-created_at", "-id")


# --- the queue ---------------------------------------------------------------------------------


@dataclass
class Case:
    """The open reports of one target, as the queue shows them."""

    target_type: str
    target_id: int
    count: int
    latest: Any
    first_id: int | None
    reasons: dict[str, int] = field(default_factory=dict)
    label: str = ""
    author: User | None = None
    target: Any = None
    kind: ReportableKind | None = None
    legacy_count: int = 0

    @property
    def key(self) -> str:
        return f"{self.target_type}:{self.target_id}"

    @property
    def reason_labels(self) -> list[tuple[str, int]]:
        labels = dict(ReportReason.choices)
        return [(str(labels.get(code, code)), n) for code, n in sorted(self.reasons.items())]


def case_list(*, target_type: str = "") -> list[Case]:
    """Every target with open reports, the latest reported first (ours and messaging's own).

    Two grouped queries (ours, messaging's message reports) and one for the reasons; targets and
    authors are loaded for the page by ``cases_load``.
    """
    reports = Report.objects.filter(status=ReportStatus.OPEN)
    if target_type:
        reports = reports.filter(target_type=target_type)
    cases: dict[tuple[str, int], Case] = {}
    for row in (
        reports.values("target_type", "target_id")
        .annotate(count=Count("id"), latest=Max("created_at"), first_id=Min("id"))
        .order_by()
    ):
        key = (row["target_type"], row["target_id"])
        cases[key] = Case(
            target_type=row["target_type"],
            target_id=row["target_id"],
            count=row["count"],
            latest=row["latest"],
            first_id=row["first_id"],
        )
    for row in (
        reports.values("target_type", "target_id", "reason").annotate(n=Count("id")).order_by()
    ):
        cases[(row["target_type"], row["target_id"])].reasons[row["reason"]] = row["n"]
    if target_type in ("", "message"):
        _legacy_cases(cases)
    return sorted(cases.values(), key=lambda case: (case.latest, case.target_id), reverse=True)


def _legacy_cases(cases: dict[tuple[str, int], Case]) -> None:
    from messaging.models import MessageReport

    open_reports = MessageReport.objects.filter(status=MessageReport.Status.OPEN)
    for row in (
        open_reports.values("message_id")
        .annotate(count=Count("id"), latest=Max("created_at"))
        .order_by()
    ):
        key = ("message", row["message_id"])
        case = cases.get(key)
        if case is None:
            case = cases[key] = Case(
                target_type="message",
                target_id=row["message_id"],
                count=0,
                latest=row["latest"],
                first_id=None,
            )
        case.count += row["count"]
        case.legacy_count = row["count"]
        case.latest = max(case.latest, row["latest"])
    for row in open_reports.values("message_id", "reason").annotate(n=Count("id")).order_by():
        reasons = cases[("message", row["message_id"])].reasons
        reasons[row["reason"]] = reasons.get(row["reason"], 0) + row["n"]


def cases_load(cases: list[Case]) -> list[Case]:
    """Fill each case's target, label and author: one query per kind on the page."""
    by_kind: dict[str, list[Case]] = {}
    for case in cases:
        by_kind.setdefault(case.target_type, []).append(case)
    for kind_name, group in by_kind.items():
        kind = reportable(kind_name)
        if kind is None:
            continue
        model = apps.get_model(kind.model)
        targets = model._default_manager.in_bulk([case.target_id for case in group])
        for case in group:
            case.kind = kind
            case.target = targets.get(case.target_id)
            if case.target is not None:
                case.label = kind.describe(case.target)
                case.author = kind.author_of(case.target)
    # The label the report kept for a target that is gone.
    missing = [case.first_id for case in cases if case.target is None and case.first_id]
    if missing:
        kept = dict(Report.objects.filter(pk__in=missing).values_list("id", "target_label"))
        for case in cases:
            if case.target is None and case.first_id:
                case.label = kept.get(case.first_id, "")
    return cases


def case_get(*, target_type: str, target_id: int) -> Case | None:
    """One target's case with its open reports (``case.reports``), or None."""
    kind = reportable(target_type)
    if kind is None:
        return None
    cases = [c for c in case_list(target_type=target_type) if c.target_id == target_id]
    if not cases:
        return None
    return cases_load(cases)[0]


def case_reports(*, target_type: str, target_id: int) -> QuerySet[Report]:
    """Every report of the target, open first, newest first."""
    return (
        Report.objects.filter(target_type=target_type, target_id=target_id)
        .select_related("reporter", "resolved_by")
        .order_by("-status", "-created_at", "-id")
    )


# --- tickets -----------------------------------------------------------------------------------


def _with_replies(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return queryset.select_related("member", "assignee").prefetch_related(
        Prefetch(
            "replies",
            queryset=TicketReply.objects.select_related("author").order_by("created_at", "id"),
        )
    )


def ticket_list(*, member: User) -> QuerySet[Ticket]:
    """The member's own tickets with their replies."""
    return _with_replies(Ticket.objects.filter(member=member)).annotate(
        reply_count=Count("replies", distinct=True)
    )


def ticket_get(*, member: User, ticket_id: int) -> Ticket | None:
    return ticket_list(member=member).filter(pk=ticket_id).first()


def ticket_staff_list() -> QuerySet[Ticket]:
    """Every ticket, for staff."""
    return _with_replies(Ticket.objects.all()).annotate(reply_count=Count("replies", distinct=True))


def ticket_staff_get(*, ticket_id: int) -> Ticket | None:
    return ticket_staff_list().filter(pk=ticket_id).first()


# --- seed 004's admin/friends/: experts with their figures --------------------------------------


def expert_list() -> QuerySet[User]:
    """Experts (seed 004's "friends") with completed sessions, points earned and open reports.

    One query: each figure is a correlated subquery, so the page costs the same for any size.
    """
    from exchanges.models import Swap
    from rewards.models import Entry

    sessions = (
        Swap.objects.filter(
            Q(requester=OuterRef("pk")) | Q(responder=OuterRef("pk")),
            status=Swap.Status.COMPLETED,
        )
        .order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(n=Count("id"))
        .values("n")
    )
    earned = (
        Entry.objects.filter(
            account__user=OuterRef("pk"),
            amount__gt=0,
            transfer__reason__in=EARNING_REASONS,
        )
        .order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    reports = (
        Report.objects.filter(target_author=OuterRef("pk"), status=ReportStatus.OPEN)
        .order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        with_role(User.objects.filter(deleted_at__isnull=True))
        .filter(role_name=Role.EXPERT)
        .annotate(
            session_count=Coalesce(Subquery(sessions, output_field=IntegerField()), 0),
            points_earned=Coalesce(Subquery(earned, output_field=IntegerField()), 0),
            open_reports=Coalesce(Subquery(reports, output_field=IntegerField()), 0),
            rating=F("rating_average"),
        )
    )
