"""Wagtail admin screens of the points ledger: read-only views and the staff "grant points" form.

Also the members' wallet limits (``WalletLimit``): staff with ``rewards.change_walletlimit`` set a
member's maximum balance and daily spend limit over the site's settings, through
``rewards.services.wallet_limit_set``.

The ledger is written by ``rewards.services`` alone, so its admin screens list and inspect but
never add, edit or delete (a read-only permission policy, and no add/edit/delete routes). A staff
member with ``rewards.grant_points`` credits a member through ``points_grant``, which records who
granted and why.
"""

from __future__ import annotations

import uuid
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import CreateView, EditView, IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton

from accounts.admin_users import HISTORY_ROWS, HistoryRow, HistorySection
from config.wagtail_admin import ReadOnlyModelViewSet, register_read_only
from core.exceptions import ApplicationError, Forbidden
from rewards import badge_admin  # noqa: F401  (badge viewsets register their own hooks)
from rewards.models import AccountKind, Entry, LedgerAccount, Reason, Transfer, WalletLimit
from rewards.services import WALLET_LIMIT_MAX, points_grant, wallet_limit_set

GRANT_PERMISSION = "rewards.grant_points"


# Registered before the viewsets below so Wagtail never builds its default (writable) policy.
register_read_only(LedgerAccount, Transfer, Entry)


class LedgerViewSet(ReadOnlyModelViewSet):
    list_per_page = 50


# --- accounts ------------------------------------------------------------------------------------


class AccountFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=AccountKind.choices, widget=forms.RadioSelect, empty_label=None
    )

    class Meta:
        model = LedgerAccount
        fields: list[str] = []


class AccountIndexView(IndexView):
    def get_base_queryset(self) -> QuerySet[LedgerAccount]:
        return super().get_base_queryset().select_related("user")

    @cached_property
    def header_buttons(self):
        if not self.request.user.has_perm(GRANT_PERMISSION):
            return []
        return [
            HeaderButton(_("Grant points"), url=reverse("ledger_grant:grant"), icon_name="plus")
        ]


class LedgerAccountViewSet(LedgerViewSet):
    model = LedgerAccount
    name = "ledger_accounts"
    icon = "table"
    menu_label = _("Accounts")
    index_view_class = AccountIndexView
    list_display = ["__str__", "kind", "reference", "balance", "updated_at"]
    filterset_class = AccountFilterSet
    search_fields = ["user__email", "user__display_name", "user__last_name", "reference"]
    ordering = ["id"]
    inspect_view_fields = ["kind", "user", "reference", "balance", "created_at", "updated_at"]


# --- transfers -----------------------------------------------------------------------------------


class TransferFilterSet(WagtailFilterSet):
    reason = django_filters.ChoiceFilter(
        label=_("Reason"), choices=Reason.choices, widget=forms.RadioSelect, empty_label=None
    )
    created_at = django_filters.DateFromToRangeFilter(label=_("Date"), widget=DateRangePickerWidget)
    initiated_by_staff = django_filters.BooleanFilter(
        label=_("Granted or reversed by staff"),
        field_name="initiated_by__is_staff",
    )

    class Meta:
        model = Transfer
        fields: list[str] = []


class TransferIndexView(IndexView):
    def get_base_queryset(self) -> QuerySet[Transfer]:
        return (
            super().get_base_queryset().select_related("initiated_by").prefetch_related("entries")
        )


class TransferViewSet(LedgerViewSet):
    model = Transfer
    name = "ledger_transfers"
    icon = "resubmit"
    menu_label = _("Transfers")
    index_view_class = TransferIndexView
    list_display = [
        "__str__",
        Column("reason_display", label=_("Reason")),
        Column("amount", label=_("Amount")),
        "reference",
        "initiated_by",
        "created_at",
    ]
    filterset_class = TransferFilterSet
    search_fields = ["reference", "description", "idempotency_key"]
    ordering = ["-id"]
    inspect_view_fields = [
        "reason",
        "description",
        "reference",
        "amount",
        "idempotency_key",
        "initiated_by",
        "reverses",
        "created_at",
    ]


# --- entries -------------------------------------------------------------------------------------


class EntryFilterSet(WagtailFilterSet):
    account__kind = django_filters.ChoiceFilter(
        label=_("Account kind"),
        choices=AccountKind.choices,
        widget=forms.RadioSelect,
        empty_label=None,
    )
    type = django_filters.ChoiceFilter(
        label=_("Type"),
        choices=[("credit", _("credit")), ("debit", _("debit"))],
        method="filter_type",
        widget=forms.RadioSelect,
        empty_label=None,
    )
    transfer__reason = django_filters.ChoiceFilter(
        label=_("Reason"), choices=Reason.choices, widget=forms.RadioSelect, empty_label=None
    )
    created_at = django_filters.DateFromToRangeFilter(label=_("Date"), widget=DateRangePickerWidget)

    class Meta:
        model = Entry
        fields: list[str] = []

    def filter_type(self, queryset: QuerySet[Entry], name: str, value: str) -> QuerySet[Entry]:
        return queryset.filter(amount__gt=0) if value == "credit" else queryset.filter(amount__lt=0)


class EntryIndexView(IndexView):
    def get_base_queryset(self) -> QuerySet[Entry]:
        return super().get_base_queryset().select_related("account__user", "transfer")


class EntryViewSet(LedgerViewSet):
    model = Entry
    name = "ledger_entries"
    icon = "list-ul"
    menu_label = _("Entries")
    index_view_class = EntryIndexView
    list_display = ["__str__", "account", "amount", "balance_after", "transfer", "created_at"]
    filterset_class = EntryFilterSet
    search_fields = [
        "account__user__email",
        "account__user__display_name",
        "account__reference",
        "transfer__reference",
    ]
    ordering = ["-id"]
    inspect_view_fields = ["transfer", "account", "amount", "balance_after", "created_at"]


# --- grant points --------------------------------------------------------------------------------


class GrantPointsForm(forms.Form):
    email = forms.EmailField(label=_("Member's e-mail address"))
    amount = forms.IntegerField(
        label=_("Points"), min_value=1, max_value=settings.POINTS_MAX_AMOUNT
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        help_text=_("Shown to the member in their points history, and kept in the ledger."),
    )
    # One id per rendered form: submitting the same form twice grants once.
    request_id = forms.UUIDField(widget=forms.HiddenInput)

    def clean_email(self) -> Any:
        email = self.cleaned_data["email"].strip().lower()
        member = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if member is None:
            raise forms.ValidationError(_("There is no active member with this e-mail address."))
        self.member = member
        return email


class GrantPointsView(WagtailAdminTemplateMixin, FormView):
    template_name = "wagtailadmin/generic/form.html"
    form_class = GrantPointsForm
    page_title = _("Grant points")
    header_icon = "plus"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm(GRANT_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        return {"request_id": uuid.uuid4(), "email": self.request.GET.get("email", "")}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("ledger_accounts:index"), "label": _("Points ledger")},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["action_url"] = self.request.path
        context["submit_button_label"] = _("Grant points")
        context["submit_button_active_label"] = _("Granting…")
        return context

    def form_valid(self, form: GrantPointsForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            transfer = points_grant(
                user=form.member,
                amount=data["amount"],
                reason=data["reason"],
                granted_by=self.request.user,
                idempotency_key=f"admin:grant:{data['request_id']}",
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
            for field, errors in error.fields.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(amount)d points granted to %(member)s.")
            % {"amount": data["amount"], "member": form.member.public_name},
        )
        return redirect("ledger_transfers:inspect", transfer.pk)


class GrantPointsViewSet(ViewSet):
    name = "ledger_grant"
    icon = "plus"
    menu_label = _("Grant points")

    def get_urlpatterns(self):
        return [path("", GrantPointsView.as_view(), name="grant")]

    @property
    def menu_item_class(self):
        class GrantMenuItem(MenuItem):
            def is_shown(self, request: HttpRequest) -> bool:
                return request.user.has_perm(GRANT_PERMISSION)

        return GrantMenuItem


# --- wallet limits (per-member overrides of WALLET_MAX_BALANCE / WALLET_DAILY_SPEND_LIMIT) --------


class WalletLimitForm(forms.ModelForm):
    """The override's numbers and note; on creation also the member, found by e-mail address."""

    email = forms.EmailField(label=_("Member's e-mail address"))

    class Meta:
        model = WalletLimit
        fields = ["max_balance", "daily_spend_limit", "note"]

    def __init__(self, *args: Any, for_user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            del self.fields["email"]  # the member of an override never changes
        for name in ("max_balance", "daily_spend_limit"):
            field = self.fields[name]
            field.validators += [MinValueValidator(0), MaxValueValidator(WALLET_LIMIT_MAX)]
            field.widget.attrs.update({"min": 0, "max": WALLET_LIMIT_MAX})

    def clean_email(self) -> Any:
        email = self.cleaned_data["email"].strip().lower()
        member = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if member is None:
            raise forms.ValidationError(_("There is no active member with this e-mail address."))
        self.member = member
        return email


class _WalletLimitSave:
    """Create and edit save through ``wallet_limit_set`` (records who set it and when)."""

    def save_instance(self) -> WalletLimit:
        form = self.form
        member = getattr(form, "member", None) or form.instance.user
        data = form.cleaned_data
        try:
            return wallet_limit_set(
                user=member,
                max_balance=data["max_balance"],
                daily_spend_limit=data["daily_spend_limit"],
                note=data["note"],
                set_by=self.request.user,
            )
        except Forbidden as error:
            raise PermissionDenied(error.message) from error


class WalletLimitCreateView(_WalletLimitSave, CreateView):
    pass


class WalletLimitEditView(_WalletLimitSave, EditView):
    pass


class WalletLimitIndexView(IndexView):
    def get_base_queryset(self) -> QuerySet[WalletLimit]:
        return super().get_base_queryset().select_related("user", "set_by")


class WalletLimitViewSet(ModelViewSet):
    model = WalletLimit
    name = "wallet_limits"
    icon = "warning"
    menu_label = _("Wallet limits")
    index_view_class = WalletLimitIndexView
    add_view_class = WalletLimitCreateView
    edit_view_class = WalletLimitEditView
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["user", "max_balance", "daily_spend_limit", "note", "set_by", "updated_at"]
    search_fields = ["user__email", "user__display_name", "user__last_name", "note"]
    search_backend_name = None
    ordering = ["id"]
    list_per_page = 50

    def get_form_class(self, for_update: bool = False) -> type[forms.ModelForm]:
        return WalletLimitForm


class LedgerViewSetGroup(ModelViewSetGroup):
    menu_label = _("Points ledger")
    menu_icon = "table"
    menu_order = 600
    items = (
        LedgerAccountViewSet,
        TransferViewSet,
        EntryViewSet,
        GrantPointsViewSet,
        WalletLimitViewSet,
    )


@hooks.register("register_admin_viewset")
def register_ledger_viewsets():
    return LedgerViewSetGroup()


# --- the member's ledger on the user inspect page (accounts.admin_users) ------------------------


@hooks.register("register_user_history_section")
def ledger_history_section(user: Any, request: HttpRequest) -> Any:
    """The member's latest ledger entries (their own points account), newest first."""
    if not request.user.has_perm("rewards.view_entry"):
        return None
    entries = Entry.objects.filter(account__user=user)
    latest = entries.select_related("transfer").order_by("-id")[:HISTORY_ROWS]
    return HistorySection(
        title=str(_("Ledger entries")),
        headers=[str(_("Date")), str(_("Reason")), str(_("Amount")), str(_("Balance after"))],
        rows=[
            HistoryRow(
                cells=[
                    entry.created_at,
                    entry.transfer.reason_display,
                    entry.amount,
                    entry.balance_after,
                ],
                url=reverse("ledger_entries:inspect", args=[entry.pk]),
            )
            for entry in latest
        ],
        total=entries.count(),
        more_url=f"{reverse('ledger_entries:index')}?{urlencode({'q': user.email})}",
    )
