"""Public pages of moderation: the report form, the support form, the member's tickets.

Every form posts to a service and works without JavaScript. Another member's ticket is a 404,
as in the API.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import MemberRequest
from community.moderation import selectors, services
from community.moderation.models import (
    BODY_MAX_LENGTH,
    DETAILS_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
    ReportReason,
    TicketCategory,
)
from community.moderation.targets import ReportableKind, reportable
from core.exceptions import ApplicationError

TICKETS_PER_PAGE = 20
_TARGET = re.compile(r"^([a-z]{1,16}):([1-9][0-9]{0,9})$")


def _errors(error: ApplicationError) -> dict[str, list[str]]:
    if error.fields:
        return {key: [str(v) for v in values] for key, values in error.fields.items()}
    return {"form": [str(error.message)]}


def _target(request: MemberRequest, raw: str) -> tuple[ReportableKind, Any, int]:
    match = _TARGET.match(raw or "")
    kind = reportable(match.group(1)) if match else None
    if kind is None or match is None:
        raise Http404
    target_id = int(match.group(2))
    target = kind.resolve(target_id, request.user)
    if target is None:
        raise Http404
    return kind, target, target_id


def _back_url(request: MemberRequest, kind: ReportableKind, target: Any) -> str:
    back = request.POST.get("next") or request.GET.get("next") or ""
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    if kind.url is not None:
        return kind.url(target)
    if kind.kind == "message":
        return reverse("messaging:thread", args=[target.thread_id])
    return reverse("moderation:tickets")


@login_required
@require_http_methods(["GET", "POST"])
def report(request: MemberRequest) -> HttpResponse:
    """``report/?target=<kind>:<id>``: the reason and details of a report."""
    raw = request.POST.get("target") if request.method == "POST" else request.GET.get("target")
    kind, target, target_id = _target(request, raw or "")
    errors: dict[str, list[str]] = {}
    values = {"reason": "", "details": ""}
    if request.method == "POST":
        values = {
            "reason": request.POST.get("reason", ""),
            "details": request.POST.get("details", "")[:DETAILS_MAX_LENGTH],
        }
        try:
            _report, created = services.report_create(
                reporter=request.user,
                target_type=kind.kind,
                target_id=target_id,
                reason=values["reason"],
                details=values["details"],
            )
        except ApplicationError as exc:
            errors = _errors(exc)
        else:
            if created:
                flash.success(request, _("Thank you. A moderator will look at your report."))
            else:
                flash.info(request, _("You have already reported this; a moderator will look."))
            return redirect(_back_url(request, kind, target))
    return render(
        request,
        "community/moderation/report.html",
        {
            "kind": kind,
            "target_label": kind.describe(target),
            "target_value": f"{kind.kind}:{target_id}",
            "reasons": ReportReason.choices,
            "values": values,
            "errors": errors,
            "next": request.GET.get("next", request.POST.get("next", "")),
            "details_max_length": DETAILS_MAX_LENGTH,
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def support(request: MemberRequest) -> HttpResponse:
    """``support/``: open a ticket."""
    errors: dict[str, list[str]] = {}
    values = {"subject": "", "body": "", "category": TicketCategory.OTHER}
    if request.method == "POST":
        values = {
            "subject": request.POST.get("subject", "")[:SUBJECT_MAX_LENGTH],
            "body": request.POST.get("body", "")[:BODY_MAX_LENGTH],
            "category": request.POST.get("category", ""),
        }
        try:
            ticket = services.ticket_create(member=request.user, **values)
        except ApplicationError as exc:
            errors = _errors(exc)
        else:
            flash.success(request, _("Your request is sent. We will answer here and by e-mail."))
            return redirect("moderation:ticket", ticket_id=ticket.pk)
    return render(
        request,
        "community/moderation/support.html",
        {
            "values": values,
            "errors": errors,
            "categories": TicketCategory.choices,
            "subject_max_length": SUBJECT_MAX_LENGTH,
            "body_max_length": BODY_MAX_LENGTH,
        },
        status=400 if errors else 200,
    )


@login_required
@require_GET
def ticket_list(request: MemberRequest) -> HttpResponse:
    """``me/tickets/``: the member's tickets, the latest updated first."""
    tickets = selectors.ticket_list(member=request.user).order_by("-updated_at", "-id")
    page = Paginator(tickets, TICKETS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "community/moderation/ticket_list.html", {"page_obj": page})


@login_required
@require_http_methods(["GET", "POST"])
def ticket_detail(request: MemberRequest, ticket_id: int) -> HttpResponse:
    """``me/tickets/<id>/``: the ticket, its replies, and the member's reply form."""
    ticket = selectors.ticket_get(member=request.user, ticket_id=ticket_id)
    if ticket is None:
        raise Http404
    errors: dict[str, list[str]] = {}
    draft = ""
    if request.method == "POST":
        draft = request.POST.get("body", "")[:BODY_MAX_LENGTH]
        try:
            services.ticket_member_reply(ticket=ticket, member=request.user, body=draft)
        except ApplicationError as exc:
            errors = _errors(exc)
        else:
            flash.success(request, _("Your reply is sent."))
            return redirect("moderation:ticket", ticket_id=ticket.pk)
    return render(
        request,
        "community/moderation/ticket_detail.html",
        {
            "ticket": ticket,
            "errors": errors,
            "draft": draft,
            "body_max_length": BODY_MAX_LENGTH,
        },
        status=400 if errors else 200,
    )
