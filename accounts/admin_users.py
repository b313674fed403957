"""Wagtail's user screens, extended with the profile, the role and the suspension.

- Admins (``accounts.change_user`` + ``accounts.assign_role``) edit everything: profile fields,
  the role (one choice, applied with ``services.user_role_set``), and the suspension (applied with
  ``services.user_suspend``/``user_reactivate``, so tokens are revoked exactly as by the API).
- "Delete" anonymises the account (``services.user_anonymise``) instead of removing the row.
- Moderators (``accounts.view_user`` + ``accounts.suspend_user``) see the list and each user's
  inspect page, and may suspend or reactivate members and experts, but cannot edit users or roles.

Wired in by ``accounts.apps.SkillSwapUsersConfig`` (settings swap it for ``wagtail.users``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import InspectView
from wagtail.admin.widgets.button import Button
from wagtail.log_actions import log
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views import users as wagtail_users

from accounts import selectors, services
from accounts.api.permissions import CanSuspendUser
from accounts.models import User
from accounts.roles import ROLE_GROUP_NAMES, Perm, Role, role_of
from accounts.validators import COMMUNICATION_STYLES

PROFILE_FORM_FIELDS = [
    "username",
    "display_name",
    "phone",
    "address",
    "city",
    "country",
    "latitude",
    "longitude",
    "bio",
    "languages",
    "language",
    "time_zone",
    "interests",
]


class _SkillSwapUserFormMixin(forms.ModelForm):
    """Role and suspension as explicit fields; the groups box keeps only non-role groups."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)
    suspended = forms.BooleanField(
        label=_("Suspended"),
        required=False,
        help_text=_("A suspended user cannot sign in; their tokens stop working at once."),
    )
    suspension_reason = forms.CharField(
        label=_("Suspension reason"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    extra_field_names = [*PROFILE_FORM_FIELDS, "role", "suspended", "suspension_reason"]

    def __init__(self, *args: Any, for_user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.for_user = for_user
        self.fields.pop("is_active", None)
        if "groups" in self.fields:
            self.fields["groups"].queryset = Group.objects.exclude(name__in=ROLE_GROUP_NAMES)
            self.fields["groups"].required = False
        if self.instance.pk:
            self.fields["role"].initial = role_of(self.instance).value
            self.fields["suspended"].initial = self.instance.suspended_at is not None
            self.fields["suspension_reason"].initial = self.instance.suspension_reason
        can_assign = for_user is not None and for_user.has_perm(Perm.ASSIGN_ROLE)
        if not can_assign or (self.instance.pk and self.instance.pk == getattr(for_user, "pk", 0)):
            self.fields["role"].disabled = True
            self.fields.pop("is_superuser", None)
        if for_user is not None and not for_user.is_superuser:
            # Only a superuser may create or remove superusers.
            self.fields.pop("is_superuser", None)
        if self.instance.pk and self.instance.pk == getattr(for_user, "pk", 0):
            self.fields["suspended"].disabled = True

    @property
    def extra_bound_fields(self) -> list[forms.BoundField]:
        """The fields Wagtail's template does not know, for its ``extra_fields`` block."""
        return [self[name] for name in self.extra_field_names if name in self.fields]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("suspended") and not cleaned.get("suspension_reason"):
            self.add_error("suspension_reason", _("Say why the user is suspended."))
        return cleaned

    @transaction.atomic
    def save(self, commit: bool = True) -> User:
        user = super().save(commit=commit)
        if not commit:
            return user
        role = Role(self.cleaned_data["role"])
        if not self.fields["role"].disabled and (
            "role" in self.changed_data or role_of(user) != role
        ):
            user = services.user_role_set(user=user, role=role)
        if not self.fields["suspended"].disabled:
            suspended = self.cleaned_data["suspended"]
            if suspended and user.suspended_at is None:
                user = services.user_suspend(
                    user=user, reason=self.cleaned_data["suspension_reason"]
                )
            elif not suspended and user.suspended_at is not None:
                user = services.user_reactivate(user=user)
        return user


class SkillSwapUserCreationForm(_SkillSwapUserFormMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = {*UserCreationForm.Meta.fields, *PROFILE_FORM_FIELDS}


class SkillSwapUserEditForm(_SkillSwapUserFormMixin, UserEditForm):
    class Meta(UserEditForm.Meta):
        fields = {*UserEditForm.Meta.fields, *PROFILE_FORM_FIELDS} - {"is_active"}


class _ForUserFormMixin:
    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()  # type: ignore[misc]
        kwargs["for_user"] = self.request.user  # type: ignore[attr-defined]
        return kwargs


class CreateView(_ForUserFormMixin, wagtail_users.CreateView):
    template_name = "accounts/wagtailusers/create.html"


class EditView(_ForUserFormMixin, wagtail_users.EditView):
    template_name = "accounts/wagtailusers/edit.html"


class DeleteView(wagtail_users.DeleteView):
    """ "Delete" anonymises: ledger entries, swaps and reviews keep their counterpart."""

    def delete_action(self) -> None:
        log(instance=self.object, action="wagtail.delete", user=self.request.user)
        services.user_anonymise(user=self.object)


class IndexView(wagtail_users.IndexView):
    @property
    def columns(self) -> list[Column]:
        columns = list(super().columns)
        columns.insert(
            3,
            Column(
                "role",
                accessor=lambda user: Role(user.role_name).label,
                label=_("Role"),
                width="12%",
            ),
        )
        columns.insert(
            4, Column("account_status", accessor="status", label=_("Status"), width="10%")
        )
        return columns

    def get_base_queryset(self) -> QuerySet[User]:
        return selectors.user_queryset()


# --- the inspect page: readable values and the member's history --------------------------------

STATUS_LABELS = {
    "active": _("Active"),
    "suspended": _("Suspended"),
    "deleted": _("Deleted"),
}
# The hook through which higher apps (exchanges, messaging, rewards) add a section of the member's
# history to the inspect page; accounts imports none of them (docs/architecture.md).
USER_HISTORY_HOOK = "register_user_history_section"
HISTORY_ROWS = 10


@dataclass
class HistoryRow:
    cells: list[Any]
    url: str | None = None


@dataclass
class HistorySection:
    """One table of the member's history: the latest rows and a link to all of them."""

    title: str
    headers: list[str]
    rows: list[HistoryRow]
    total: int
    more_url: str | None = None
    empty_text: str = field(default_factory=lambda: str(_("Nothing yet.")))


HistorySectionFactory = Callable[[User, HttpRequest], HistorySection | None]


def _language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def _none() -> str:
    return "—"


class UserInspectView(InspectView):
    """The user's profile in words (no Python lists or dicts), then their history: swaps,
    reports and ledger entries, each contributed by its app through ``USER_HISTORY_HOOK``."""

    template_name = "accounts/wagtailusers/inspect.html"
    extra_labels = {
        "role": _("Role"),
        "status": _("Status"),
        "communication_style": _("Communication style"),
    }

    def get_object(self, queryset: QuerySet[User] | None = None) -> User:
        return get_object_or_404(selectors.user_queryset(), pk=self.pk)

    def get_field_label(self, field_name: str, field: Any) -> str:
        if field_name in self.extra_labels:
            return str(self.extra_labels[field_name])
        return super().get_field_label(field_name, field)

    def get_field_display_value(self, field_name: str, field: Any) -> Any:
        user = self.object
        if field_name == "languages":
            return ", ".join(_language_name(code) for code in user.languages or []) or _none()
        if field_name == "language":
            return _language_name(user.language) if user.language else _none()
        if field_name == "interests":
            interests = (user.interests or {}).get("interests") or []
            return ", ".join(interests) or _none()
        if field_name == "communication_style":
            style = (user.interests or {}).get("communication_style") or ""
            return dict(COMMUNICATION_STYLES).get(style, style) or _none()
        if field_name == "role":
            return role_of(user).label
        if field_name == "status":
            return STATUS_LABELS.get(user.status, user.status)
        value = super().get_field_display_value(field_name, field)
        if value is None or value == "":
            return _none()
        return value

    def get_history(self) -> list[HistorySection]:
        sections = []
        for factory in hooks.get_hooks(USER_HISTORY_HOOK):
            section = factory(self.object, self.request)
            if section is not None:
                sections.append(section)
        return sections

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["history"] = self.get_history()
        return context


class UserViewSet(wagtail_users.UserViewSet):
    index_view_class = IndexView
    inspect_view_class = UserInspectView
    add_view_class = CreateView
    edit_view_class = EditView
    delete_view_class = DeleteView
    inspect_view_enabled = True
    inspect_view_fields = [
        "email",
        "first_name",
        "last_name",
        *PROFILE_FORM_FIELDS,
        "communication_style",
        "role",
        "status",
        "suspended_at",
        "suspension_reason",
        "rating_average",
        "rating_count",
        "date_joined",
        "last_login",
    ]

    def get_form_class(self, for_update: bool = False) -> type[forms.ModelForm]:
        return SkillSwapUserEditForm if for_update else SkillSwapUserCreationForm


# --- suspend / reactivate for moderators -------------------------------------------------------


class _Request:
    """What CanSuspendUser reads from a DRF request."""

    def __init__(self, user: User) -> None:
        self.user = user


def may_suspend(actor: User, target: User) -> bool:
    permission = CanSuspendUser()
    request: Any = _Request(actor)
    return actor.has_perm(Perm.SUSPEND_USER) and permission.has_object_permission(
        request, None, target
    )


def suspension_buttons(user: User, request_user: User) -> list[Button]:
    if not may_suspend(request_user, user) or user.deleted_at is not None:
        return []
    if user.suspended_at is None:
        return [
            Button(
                _("Suspend"),
                url=reverse("accounts_admin_suspend", args=[user.pk]),
                icon_name="lock",
                priority=60,
            )
        ]
    return [
        Button(
            _("Reactivate"),
            url=reverse("accounts_admin_reactivate", args=[user.pk]),
            icon_name="lock-open",
            priority=60,
        )
    ]


class SuspendForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4}))


def _target(request: HttpRequest, user_id: int) -> User:
    target = get_object_or_404(User, pk=user_id)
    if not may_suspend(request.user, target):
        raise PermissionDenied
    return target


def suspend_view(request: HttpRequest, user_id: int) -> HttpResponse:
    target = _target(request, user_id)
    form = SuspendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if target.suspended_at is None:
            services.user_suspend(user=target, reason=form.cleaned_data["reason"])
        messages.success(request, _("%(user)s is suspended.") % {"user": target.public_name})
        return redirect("wagtailusers_users:index")
    return TemplateResponse(
        request,
        "accounts/wagtailusers/suspend.html",
        {"target": target, "form": form, "page_title": _("Suspend user"), "action": "suspend"},
    )


def reactivate_view(request: HttpRequest, user_id: int) -> HttpResponse:
    target = _target(request, user_id)
    if request.method == "POST":
        if target.suspended_at is not None or not target.is_active:
            services.user_reactivate(user=target)
        messages.success(request, _("%(user)s is active again.") % {"user": target.public_name})
        return redirect("wagtailusers_users:index")
    return TemplateResponse(
        request,
        "accounts/wagtailusers/suspend.html",
        {
            "target": target,
            "form": None,
            "page_title": _("Reactivate user"),
            "action": "reactivate",
        },
    )
