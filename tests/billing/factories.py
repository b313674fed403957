"""Billing test data: packages, plans and payments (payments in a given state go through the
services, so their points are in the ledger exactly as in production)."""

from __future__ import annotations

from decimal import Decimal

import factory

from billing.models import Package, Payment, PaymentStatus, Plan
from tests.accounts.factories import UserFactory


class PackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Package

    name_en = factory.Sequence(lambda n: f"Pack {n}")
    name_ar = factory.Sequence(lambda n: f"باقة {n}")
    description_en = "Points to spend on swaps."
    description_ar = "نقاط للتبادل."
    points = 100
    price = Decimal("10.00")
    currency = "USD"
    active = True
    sort_order = factory.Sequence(lambda n: n)


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    name_en = factory.Sequence(lambda n: f"Premium {n}")
    name_ar = factory.Sequence(lambda n: f"مميز {n}")
    interval = "month"
    price = Decimal("9.00")
    currency = "USD"
    stripe_price_id = factory.Sequence(lambda n: f"price_test_{n}")
    active = True


class PaymentFactory(factory.django.DjangoModelFactory):
    """A pending payment row (no gateway call): confirm it with the services' events."""

    class Meta:
        model = Payment

    user = factory.SubFactory(UserFactory)
    gateway = "stripe"
    package = factory.SubFactory(PackageFactory)
    amount = factory.LazyAttribute(lambda o: o.package.price if o.package else Decimal("10.00"))
    currency = "USD"
    points = factory.LazyAttribute(lambda o: o.package.points if o.package else 100)
    status = PaymentStatus.PENDING
    provider_payment_id = factory.Sequence(lambda n: f"cs_test_{n:024d}")
