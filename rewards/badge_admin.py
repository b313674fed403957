"""Wagtail admin for badge definitions and awards; imported by ``rewards/wagtail_hooks.py``.

- Badges (``BadgeDefinition``): administrators add and edit them (names and descriptions in
  English and Arabic, icon, counter, tier thresholds and rewards, active, order); moderators
  see them. Badges are deactivated, never deleted: awards keep referring to them.
- Awards (``BadgeAward``): staff (moderators and administrators) list and inspect them, award a
  badge to a member and revoke an award, each with a reason, through ``rewards.badges`` (which
  writes Wagtail's audit log).

Who may: Django's model permissions (``rewards.change_badgeaward``, …) or, since no migration
grants those to the role groups yet, the staff roles themselves (``StaffRolePolicy``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import CreateView, EditView, IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import LogFormatter
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from core.exceptions import ApplicationError, Forbidden
from rewards import badges
from rewards.models import BadgeAward, BadgeDefinition, Tier


class StaffRolePolicy(ModelPermissionPolicy):
    """Django's model permissions, plus the staff roles named per action; ``refused`` actions
    are never allowed to anybody (superusers included)."""

    def __init__(self, model: Any, *, roles: dict[str, set[str]], refused: set[str]) -> None:
        super().__init__(model)
        self.roles = roles
        self.refused = frozenset(refused)

    def _role(self, user: Any) -> str | None:
        from accounts.roles import role_of

        if not (getattr(user, "is_authenticated", False) and user.is_active and user.is_staff):
            return None
        cached = getattr(user, "_badge_admin_role", None)
        if cached is None:
            cached = str(role_of(user))
            user._badge_admin_role = cached
        return cached

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action in self.refused:
            return False
        if super().user_has_permission(user, action):
            return True
        return self._role(user) in self.roles.get(action, set())

    def user_has_any_permission(self, user: Any, actions: Any) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions: Any) -> Any:
        allowed = [action for action in actions if action not in self.refused]
        if not allowed:
            return get_user_model().objects.none()
        return super().users_with_any_permission(allowed)


ADMINS = {"admin"}
STAFF = {"admin", "moderator"}
register_permission_policy(
    BadgeDefinition,
    StaffRolePolicy(
        BadgeDefinition,
        roles={"add": ADMINS, "change": ADMINS, "view": STAFF},
        refused={"delete"},
    ),
)
register_permission_policy(
    BadgeAward,
    # Awards change only through the award and revoke views (``badge_can_manage``): the policy
    # never grants a write, so Wagtail builds no edit or delete link to routes that do not exist.
    StaffRolePolicy(BadgeAward, roles={"view": STAFF}, refused={"add", "change", "delete"}),
)


# --- badge definitions --------------------------------------------------------------------------


class BadgeDefinitionForm(WagtailAdminModelForm):
    class Meta:
        model = BadgeDefinition
        fields = [
            "slug",
            "name_en",
            "name_ar",
            "description_en",
            "description_ar",
            "icon",
            "counter",
            "threshold_bronze",
            "threshold_silver",
            "threshold_gold",
            "reward_bronze",
            "reward_silver",
            "reward_gold",
            "active",
            "sort_order",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        counter = data.get("counter")
        thresholds = [data.get(f"threshold_{tier}") for tier in badges.TIERS]
        if counter and thresholds[0] is None:
            self.add_error(
                "threshold_bronze", _("A badge earned on a counter needs a bronze threshold.")
            )
        if not counter and any(value is not None for value in thresholds):
            self.add_error("counter", _("Choose the counter these thresholds apply to."))
        for tier, value in zip(badges.TIERS, thresholds, strict=True):
            if value == 0:
                self.add_error(f"threshold_{tier}", _("A threshold is at least 1."))
        return data


class _BackfillOnSave:
    """After a badge is saved, award it to members whose counters already reached a tier."""

    def save_instance(self) -> BadgeDefinition:
        badge = super().save_instance()  # type: ignore[misc]
        badge_id = badge.pk
        transaction.on_commit(lambda: badges.badge_backfill_task.delay(badge_id))
        return badge


class BadgeCreateView(_BackfillOnSave, CreateView):
    pass


class BadgeEditView(_BackfillOnSave, EditView):
    pass


class BadgeDefinitionViewSet(ModelViewSet):
    model = BadgeDefinition
    name = "badges"
    icon = "pick"
    menu_label = _("Badges")
    add_view_class = BadgeCreateView
    edit_view_class = BadgeEditView
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = [
        "name",
        "slug",
        "counter",
        "threshold_bronze",
        "threshold_silver",
        "threshold_gold",
        "active",
        "sort_order",
    ]
    list_filter = ["active", "counter", "icon"]
    search_fields = ["slug", "name_en", "name_ar"]
    search_backend_name = None
    ordering = ["sort_order", "id"]
    list_per_page = 50

    def get_form_class(self, for_update: bool = False) -> type[forms.ModelForm]:
        return BadgeDefinitionForm


# --- awards -------------------------------------------------------------------------------------


def _can_manage(request: HttpRequest) -> bool:
    return badges.badge_can_manage(request.user)


class AwardIndexView(IndexView):
    def get_base_queryset(self) -> QuerySet[BadgeAward]:
        return super().get_base_queryset().select_related("user", "badge", "awarded_by")

    @cached_property
    def header_buttons(self):
        if not _can_manage(self.request):
            return []
        return [
            HeaderButton(_("Award a badge"), url=reverse("badge_awards:award"), icon_name="plus")
        ]


class RevokeColumn(Column):
    def get_value(self, instance: BadgeAward) -> Any:
        if instance.revoked_at is not None:
            return _("Revoked")
        return format_html(
            '<a class="button button-small button-secondary" href="{}">{}</a>',
            reverse("badge_awards:revoke", args=[instance.pk]),
            _("Revoke"),
        )


class BadgeAwardViewSet(ModelViewSet):
    model = BadgeAward
    name = "badge_awards"
    icon = "user"
    menu_label = _("Badge awards")
    index_view_class = AwardIndexView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        "user",
        "badge",
        "tier",
        "awarded_at",
        "awarded_by",
        "reason",
        RevokeColumn("revoke", label=_("Status")),
    ]
    list_filter = ["tier", "badge", "revoked_at"]
    search_fields = ["user__email", "user__display_name", "badge__slug", "reason"]
    search_backend_name = None
    ordering = ["-awarded_at", "-id"]
    list_per_page = 50
    form_fields: list[str] = []  # never rendered: awards change through the views below
    inspect_view_fields = [
        "user",
        "badge",
        "tier",
        "awarded_at",
        "awarded_by",
        "reason",
        "counter_value",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
    ]
    ROUTES = frozenset({"index", "index_results", "inspect"})

    def get_urlpatterns(self) -> list:
        routes = [route for route in super().get_urlpatterns() if route.name in self.ROUTES]
        return [
            *routes,
            path("award/", AwardView.as_view(), name="award"),
            path("revoke/<int:pk>/", RevokeView.as_view(), name="revoke"),
        ]


class AwardForm(forms.Form):
    email = forms.EmailField(label=_("Member's e-mail address"))
    badge = forms.ModelChoiceField(
        label=_("Badge"), queryset=BadgeDefinition.objects.order_by("sort_order", "id")
    )
    tier = forms.ChoiceField(
        label=_("Tier"),
        required=False,
        choices=[("", _("The next tier the member does not hold")), *Tier.choices],
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=badges.REASON_MAX_LENGTH,
        help_text=_("Kept in the audit log with your name."),
    )

    def clean_email(self) -> Any:
        email = self.cleaned_data["email"].strip().lower()
        member = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if member is None:
            raise forms.ValidationError(_("There is no active member with this e-mail address."))
        self.member = member
        return email


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=badges.REASON_MAX_LENGTH,
        help_text=_("Kept in the audit log with your name."),
    )


class _StaffFormView(WagtailAdminTemplateMixin, FormView):
    template_name = "wagtailadmin/generic/form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _can_manage(request):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("badge_awards:index"), "label": _("Badge awards")},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["action_url"] = self.request.get_full_path()
        context["submit_button_label"] = self.page_title
        return context

    def refused(self, form: forms.Form, error: ApplicationError) -> HttpResponse:
        if isinstance(error, Forbidden):
            raise PermissionDenied(error.message)
        form.add_error(None, error.message)
        for field, errors in error.fields.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
        return self.form_invalid(form)


class AwardView(_StaffFormView):
    form_class = AwardForm
    page_title = _("Award a badge")
    header_icon = "plus"

    def get_initial(self) -> dict[str, Any]:
        return {"email": self.request.GET.get("email", "")}

    def form_valid(self, form: AwardForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            award = badges.badge_award(
                user=form.member,
                badge=data["badge"],
                tier=data["tier"] or None,
                by=self.request.user,
                reason=data["reason"],
            )
        except ApplicationError as error:
            return self.refused(form, error)
        messages.success(
            self.request,
            _("%(badge)s (%(tier)s) awarded to %(member)s.")
            % {
                "badge": award.badge.name,
                "tier": award.get_tier_display(),
                "member": form.member.public_name,
            },
        )
        return redirect("badge_awards:index")


class RevokeView(_StaffFormView):
    form_class = RevokeForm
    page_title = _("Revoke a badge")
    header_icon = "bin"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        award = self.award
        context["page_subtitle"] = f"{award.badge} ({award.get_tier_display()}), {award.user}"
        return context

    @cached_property
    def award(self) -> BadgeAward:
        return get_object_or_404(
            BadgeAward.objects.select_related("badge", "user"), pk=self.kwargs["pk"]
        )

    def form_valid(self, form: RevokeForm) -> HttpResponse:
        try:
            award = badges.badge_revoke(
                award=self.award, by=self.request.user, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            return self.refused(form, error)
        messages.success(
            self.request,
            _("%(badge)s (%(tier)s) revoked from %(member)s.")
            % {
                "badge": award.badge.name,
                "tier": award.get_tier_display(),
                "member": award.user.public_name,
            },
        )
        return redirect("badge_awards:index")


class BadgeViewSetGroup(ModelViewSetGroup):
    menu_label = _("Badges")
    menu_icon = "pick"
    menu_order = 610
    items = (BadgeDefinitionViewSet, BadgeAwardViewSet)


@hooks.register("register_admin_viewset")
def register_badge_viewsets() -> BadgeViewSetGroup:
    return BadgeViewSetGroup()


# --- the audit log ------------------------------------------------------------------------------


class _BadgeFormatter(LogFormatter):
    def format_comment(self, log_entry: Any) -> str:
        return str((log_entry.data or {}).get("reason", ""))


@hooks.register("register_log_actions")
def register_badge_log_actions(actions: Any) -> None:
    texts = {
        badges.LOG_AWARD: (_("Award a badge"), _("Badge awarded by staff")),
        badges.LOG_REVOKE: (_("Revoke a badge"), _("Badge revoked by staff")),
    }
    for action, (label, message) in texts.items():
        formatter = type(
            "BadgeFormatter",
            (_BadgeFormatter,),
            {"label": label, "message": message},
        )
        actions.register_action(action)(formatter)
