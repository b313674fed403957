"""Forms of the billing pages: buy a points package, subscribe to a plan."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import Package, Plan


def gateway_label(name: str) -> str:
    """How a gateway reads on the pages."""
    labels = {
        "sandbox": _("Test payment (sandbox: no money moves)"),
        "stripe": _("Card (Stripe)"),
        "paypal": _("PayPal"),
        "paymob": _("Card or mobile wallet (Paymob)"),
    }
    return str(labels.get(name, name))


class PackageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class BuyForm(forms.Form):
    """A package and a gateway; the hidden key makes a double submit buy once."""

    package = PackageChoiceField(
        label=_("Package"),
        queryset=Package.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    gateway = forms.ChoiceField(label=_("Pay with"), choices=(), widget=forms.RadioSelect)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(
        self, *args: Any, packages: list[Package], gateways: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["package"])
        field.queryset = Package.objects.filter(pk__in=[p.pk for p in packages])
        # The page already holds the packages: no second query to render the choices.
        field.choices = [(p.pk, p.name) for p in packages]
        self.packages = {p.pk: p for p in packages}
        gateway = cast(forms.ChoiceField, self.fields["gateway"])
        gateway.choices = [(name, gateway_label(name)) for name in gateways]
        if len(gateways) == 1:
            self.fields["gateway"].initial = gateways[0]


class SubscribeForm(forms.Form):
    """A plan (the gateway is chosen by the page: the sandbox, else Stripe Checkout)."""

    plan: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Plan"), queryset=Plan.objects.filter(active=True), widget=forms.HiddenInput
    )
