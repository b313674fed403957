"""The moderation queue in the Wagtail admin: open reports grouped by target, and its actions.

Moderators (``community_moderation.moderate_report``) open a case (one target), read its reports,
and hide the content, warn or suspend its author, or dismiss the reports. Each action goes through
``services.case_act`` (audit log, notifications).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from community.moderation import selectors, services
from community.moderation.targets import reportable, reportable_kinds
from core.exceptions import ApplicationError

MODERATE = "community_moderation.moderate_report"
CASES_PER_PAGE = 25


class _ModeratorsOnly:
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.has_perm(MODERATE):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class QueueView(_ModeratorsOnly, WagtailAdminTemplateMixin, TemplateView):
    """Targets with open reports, the latest reported first: count, reasons, author."""

    template_name = "community/moderation/admin/queue.html"
    page_title = _("Moderation queue")
    header_icon = "warning"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        kind = self.request.GET.get("kind", "")
        if kind and reportable(kind) is None:
            kind = ""
        cases = selectors.case_list(target_type=kind)
        page = Paginator(cases, CASES_PER_PAGE).get_page(self.request.GET.get("p"))
        selectors.cases_load(list(page.object_list))
        context.update(
            page_obj=page,
            cases=page.object_list,
            kinds=reportable_kinds(),
            current_kind=kind,
            total=len(cases),
        )
        return context


ACTION_CHOICES = [
    ("hide", _("Hide the content")),
    ("warn", _("Warn the author")),
    ("suspend", _("Suspend the author")),
    ("dismiss", _("Dismiss the reports")),
]


class CaseActionForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=ACTION_CHOICES, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason (the author is told)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=1000,
    )


class CaseView(_ModeratorsOnly, WagtailAdminTemplateMixin, FormView):
    """One target's reports and the form that acts on them."""

    template_name = "community/moderation/admin/case.html"
    form_class = CaseActionForm
    page_title = _("Reported content")
    header_icon = "warning"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.kind = reportable(kwargs["kind"])
        if self.kind is None:
            raise Http404
        self.target_id = int(kwargs["target_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        case = selectors.case_get(target_type=self.kind.kind, target_id=self.target_id)
        if case is None:
            case = selectors.Case(
                target_type=self.kind.kind,
                target_id=self.target_id,
                count=0,
                latest=None,
                first_id=None,
            )
            selectors.cases_load([case])
        target_url = None
        if case.target is not None and self.kind.url is not None:
            target_url = self.kind.url(case.target)
        context.update(
            case=case,
            kind=self.kind,
            target_url=target_url,
            reports=selectors.case_reports(target_type=self.kind.kind, target_id=self.target_id)[
                :50
            ],
            can_hide=self.kind.hide is not None,
            queue_url=reverse("moderation_queue"),
            action_url=self.request.path,
            submit_button_label=_("Apply"),
            submit_button_active_label=_("Applying…"),
        )
        return context

    def form_valid(self, form: CaseActionForm) -> HttpResponse:
        action = form.cleaned_data["action"]
        try:
            services.case_act(
                target_type=self.kind.kind,
                target_id=self.target_id,
                moderator=self.request.user,
                action=action,
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            for errors in (exc.fields or {}).values():
                for error in errors:
                    messages.error(self.request, error)
            if not exc.fields:
                messages.error(self.request, exc.message)
            return redirect(self.request.path)
        messages.success(self.request, DONE[action])
        return redirect(reverse("moderation_queue"))


DONE = {
    "hide": _("The content is hidden and its author told."),
    "warn": _("The author is warned."),
    "suspend": _("The author's account is suspended."),
    "dismiss": _("The reports are dismissed."),
}
