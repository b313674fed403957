"""Wagtail admin screens of the billing app (menu "Billing").

- Points packages and premium plans: edited in English and Arabic (modeltranslation fields).
- Payments: read-only list with filters (status, gateway, purpose, date) and CSV/XLSX export;
  staff holding ``billing.refund_payment`` refund a payment from its row or its page, through
  the gateway (``billing.services.payment_refund``: the points come back through the ledger).
- Refund shortfalls: payments whose refund or chargeback could not take every point back (the
  member had spent them); the members are flagged here until staff holding
  ``billing.resolve_shortfall`` mark each one resolved.
- Provider events: every webhook event as stored (read-only), to answer "did Stripe tell us?".
- The dashboard says how many refund shortfalls wait for staff, when any do.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import Button, ListingButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from billing import services
from billing.models import Package, Payment, PaymentEvent, Plan, Subscription
from billing.services.refunds import REFUNDABLE
from core.exceptions import ApplicationError

REFUND_PAYMENT = "billing.refund_payment"
RESOLVE_SHORTFALL = "billing.resolve_shortfall"


# --- packages and plans -------------------------------------------------------------------------


class PackageViewSet(ModelViewSet):
    model = Package
    icon = "pick"
    menu_label = _("Points packages")
    add_to_admin_menu = False
    copy_view_enabled = False
    form_fields = [
        "name_en",
        "name_ar",
        "description_en",
        "description_ar",
        "points",
        "price",
        "currency",
        "active",
        "sort_order",
    ]
    list_display = ["name_en", "name_ar", "points", "price", "currency", "active", "sort_order"]
    list_filter = {"active": ["exact"], "currency": ["exact"]}
    search_fields = ["name_en", "name_ar"]
    search_backend_name = None
    ordering = ["sort_order", "id"]


class PlanViewSet(ModelViewSet):
    model = Plan
    icon = "pick"
    menu_label = _("Premium plans")
    add_to_admin_menu = False
    copy_view_enabled = False
    form_fields = [
        "name_en",
        "name_ar",
        "description_en",
        "description_ar",
        "interval",
        "price",
        "currency",
        "stripe_price_id",
        "active",
        "sort_order",
    ]
    list_display = ["name_en", "name_ar", "interval", "price", "currency", "active"]
    list_filter = {"active": ["exact"], "interval": ["exact"]}
    search_fields = ["name_en", "name_ar", "stripe_price_id"]
    search_backend_name = None
    ordering = ["sort_order", "id"]


# --- payments -----------------------------------------------------------------------------------


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Payments and provider events change only through the services: no add, edit or delete
    screens, superusers included (money and the ledger must agree)."""

    blocked = frozenset({"add", "change", "delete"})

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action in self.blocked:
            return False
        return super().user_has_permission(user, action)

    def users_with_any_permission(self, actions: Any) -> Any:
        actions = [action for action in actions if action not in self.blocked]
        if not actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(actions)


register_permission_policy(Payment, ReadOnlyPermissionPolicy(Payment))
register_permission_policy(PaymentEvent, ReadOnlyPermissionPolicy(PaymentEvent))
# Subscriptions change through billing.subscriptions (the provider's webhooks) only.
register_permission_policy(Subscription, ReadOnlyPermissionPolicy(Subscription))


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount to refund"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text=_("Leave empty to refund everything not refunded yet."),
    )


class PaymentActionView(WagtailAdminTemplateMixin, FormView):
    """Base of the refund and resolve screens: one payment, one permission."""

    template_name = "wagtailadmin/generic/form.html"
    permission = ""
    index_url_name = ""
    submit_label: Any = ""

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        self.payment = get_object_or_404(Payment.objects.select_related("user"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self) -> str:
        return f"{self.payment.reference} · {self.payment.amount} {self.payment.currency}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(action_url=self.request.path, submit_button_label=self.submit_label)
        return context


class RefundPaymentView(PaymentActionView):
    """Refund all or part of a payment through its gateway."""

    form_class = RefundForm
    permission = REFUND_PAYMENT
    page_title = _("Refund payment")
    header_icon = "undo"
    submit_label = _("Refund")

    def form_valid(self, form: RefundForm) -> Any:
        try:
            refund = services.payment_refund(
                payment=self.payment,
                amount=form.cleaned_data["amount"],
                by=self.request.user,  # type: ignore[arg-type]  # dispatch checked the permission
            )
        except ApplicationError as exc:
            for field, errors in exc.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            if not exc.fields:
                form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Refunded %(amount)s %(currency)s.")
            % {"amount": refund.amount, "currency": self.payment.currency},
        )
        return redirect(reverse(self.index_url_name))


class ResolveShortfallView(PaymentActionView):
    """Confirm that staff dealt with a refund shortfall (it leaves the flagged list)."""

    form_class = forms.Form
    permission = RESOLVE_SHORTFALL
    page_title = _("Resolve refund shortfall")
    header_icon = "check"
    submit_label = _("Mark resolved")

    def form_valid(self, form: forms.Form) -> Any:
        services.payment_shortfall_resolve(
            payment=self.payment,
            by=self.request.user,  # type: ignore[arg-type]  # dispatch checked the permission
        )
        messages.success(self.request, _("The shortfall is marked resolved."))
        return redirect(reverse(self.index_url_name))


def _payment_buttons(view: Any, payment: Payment, *, cls: type = ListingButton) -> list:
    user = view.request.user
    buttons = []
    if payment.status in REFUNDABLE and user.has_perm(REFUND_PAYMENT):
        buttons.append(
            cls(
                _("Refund"),
                url=reverse(view.refund_url_name, args=[payment.pk]),
                icon_name="undo",
                priority=4,
            )
        )
    if payment.shortfall_open and user.has_perm(RESOLVE_SHORTFALL):
        buttons.append(
            cls(
                _("Mark shortfall resolved"),
                url=reverse(view.resolve_url_name, args=[payment.pk]),
                icon_name="check",
                priority=5,
            )
        )
    return buttons


class PaymentIndexView(IndexView):
    refund_url_name = ""
    resolve_url_name = ""

    def get_base_queryset(self) -> QuerySet[Payment]:
        return super().get_base_queryset().select_related("user", "package")

    def get_list_more_buttons(self, instance: Payment) -> list:
        return [*super().get_list_more_buttons(instance), *_payment_buttons(self, instance)]


class ShortfallIndexView(PaymentIndexView):
    # Titled as what it is, not after the model ("Payments").
    page_title = _("Refund shortfalls")

    def get_base_queryset(self) -> QuerySet[Payment]:
        return (
            super()
            .get_base_queryset()
            .filter(shortfall_points__gt=0, shortfall_resolved_at__isnull=True)
        )


class PaymentInspectView(InspectView):
    refund_url_name = ""
    resolve_url_name = ""

    @property
    def header_more_buttons(self) -> list:
        return _payment_buttons(self, self.object, cls=Button)


class PaymentViewSet(ModelViewSet):
    model = Payment
    icon = "form"
    menu_label = _("Payments")
    add_to_admin_menu = False
    index_view_class = PaymentIndexView
    inspect_view_class = PaymentInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["status"]  # never shown: the permission policy blocks add and edit
    list_display = [
        Column("reference", label=_("Payment")),
        Column("user", label=_("Member")),
        "gateway",
        "amount",
        "currency",
        "points",
        "status",
        "refunded_amount",
        "shortfall_points",
        "created_at",
    ]
    list_filter = {
        "status": ["exact"],
        "gateway": ["exact"],
        "purpose": ["exact"],
        "created_at": ["gte", "lte"],
    }
    list_export = [
        "id",
        "user",
        "gateway",
        "purpose",
        "package",
        "amount",
        "currency",
        "points",
        "status",
        "provider_payment_id",
        "transaction_id",
        "refunded_amount",
        "points_reversed",
        "shortfall_points",
        "failure_reason",
        "created_at",
        "succeeded_at",
    ]
    export_filename = "payments"
    search_fields = ["provider_payment_id", "provider_intent_id", "transaction_id", "user__email"]
    search_backend_name = None
    ordering = ["-created_at"]
    inspect_view_fields = [
        "user",
        "gateway",
        "purpose",
        "package",
        "amount",
        "currency",
        "points",
        "status",
        "provider_payment_id",
        "provider_intent_id",
        "transaction_id",
        "receipt_url",
        "failure_reason",
        "refunded_amount",
        "points_reversed",
        "shortfall_points",
        "shortfall_resolved_at",
        "created_at",
        "succeeded_at",
        "credited_at",
    ]

    def _action_kwargs(self) -> dict[str, str]:
        return {
            "refund_url_name": self.get_url_name("refund"),
            "resolve_url_name": self.get_url_name("resolve"),
        }

    def get_index_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_index_view_kwargs(**self._action_kwargs(), **kwargs)

    def get_inspect_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_inspect_view_kwargs(**self._action_kwargs(), **kwargs)

    def get_urlpatterns(self) -> list:
        return [
            *super().get_urlpatterns(),
            path(
                "refund/<int:pk>/",
                RefundPaymentView.as_view(index_url_name=self.get_url_name("index")),
                name="refund",
            ),
            path(
                "resolve/<int:pk>/",
                ResolveShortfallView.as_view(index_url_name=self.get_url_name("index")),
                name="resolve",
            ),
        ]


class ShortfallViewSet(PaymentViewSet):
    menu_label = _("Refund shortfalls")
    icon = "warning"
    index_view_class = ShortfallIndexView
    list_display = [
        Column("reference", label=_("Payment")),
        Column("user", label=_("Member")),
        "gateway",
        "amount",
        "points",
        "points_reversed",
        "shortfall_points",
        "status",
        "updated_at",
    ]
    list_filter = {"gateway": ["exact"], "status": ["exact"]}

    def register_admin_url_finder(self) -> None:
        return None  # "edit this payment" links resolve to the Payments screens

    def register_reference_index(self) -> None:
        return None


class PaymentEventViewSet(ModelViewSet):
    model = PaymentEvent
    icon = "history"
    menu_label = _("Provider events")
    add_to_admin_menu = False
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["type"]  # never shown: the permission policy blocks add and edit
    list_display = [
        "gateway",
        "event_id",
        "provider_type",
        "type",
        "payment",
        "received_at",
        "processed_at",
    ]
    list_filter = {"gateway": ["exact"], "type": ["exact"], "received_at": ["gte", "lte"]}
    search_fields = ["event_id", "provider_type"]
    search_backend_name = None
    ordering = ["-received_at"]
    inspect_view_fields = [
        "gateway",
        "event_id",
        "provider_type",
        "type",
        "payment",
        "payload",
        "received_at",
        "processed_at",
    ]


class SubscriptionViewSet(ModelViewSet):
    model = Subscription
    icon = "user"
    menu_label = _("Subscriptions")
    add_to_admin_menu = False
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["status"]  # never shown: the permission policy blocks add and edit
    list_display = [
        Column("user", label=_("Member")),
        "plan",
        "gateway",
        "status",
        "current_period_end",
        "cancel_at_period_end",
    ]
    list_filter = {"status": ["exact"], "gateway": ["exact"], "plan": ["exact"]}
    search_fields = ["provider_subscription_id", "provider_customer_id", "user__email"]
    search_backend_name = None
    ordering = ["-created_at"]


class BillingViewSetGroup(ModelViewSetGroup):
    menu_label = _("Billing")
    menu_icon = "form"
    menu_order = 270
    items = (
        PaymentViewSet("billing_payments"),
        ShortfallViewSet("billing_shortfalls"),
        PackageViewSet("billing_packages"),
        PlanViewSet("billing_plans"),
        SubscriptionViewSet("billing_subscriptions"),
        PaymentEventViewSet("billing_events"),
    )


@hooks.register("register_admin_viewset")
def register_billing_viewsets() -> BillingViewSetGroup:
    return BillingViewSetGroup()


class ShortfallPanel(Component):
    """On the admin dashboard: how many refund shortfalls wait for staff (nothing when none)."""

    name = "billing_shortfalls"
    order = 120

    def __init__(self, count: int) -> None:
        self.count = count

    def render_html(self, parent_context: Any = None) -> str:
        message = ngettext(
            "%(count)s refund shortfall waits for staff: a member spent points a refund took back.",
            "%(count)s refund shortfalls wait for staff: members spent points refunds took back.",
            self.count,
        ) % {"count": self.count}
        return format_html(
            '<section class="panel"><p class="help-block help-warning">{} <a href="{}">{}</a>'
            "</p></section>",
            message,
            reverse("billing_shortfalls:index"),
            _("Review them"),
        )


@hooks.register("construct_homepage_panels")
def add_shortfall_panel(request: Any, panels: list) -> None:
    if not request.user.has_perm("billing.view_payment"):
        return
    count = Payment.objects.filter(
        shortfall_points__gt=0, shortfall_resolved_at__isnull=True
    ).count()
    if count:
        panels.append(ShortfallPanel(count))
