"""Demo billing: three points packages, two premium plans, a completed sandbox purchase.

Idempotent like every demo module: packages and plans are found by their English name, and the
purchase carries a fixed idempotency key, so a second run buys nothing. The purchase goes through
``billing.services.purchase_start`` on the sandbox, so the ledger holds it exactly as a real one.
Without the sandbox (production's gateways) no purchase is made.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from accounts.models import User
from billing import services
from billing.gateways import enabled_gateway_names
from billing.models import Package, Plan, PlanInterval

PACKAGES = [
    # (English name, Arabic name, English description, Arabic description, points, price)
    (
        "Starter",
        "باقة البداية",
        "Enough for a couple of paid sessions.",
        "تكفي لجلستين مدفوعتين.",
        100,
        Decimal("5.00"),
    ),
    (
        "Popular",
        "الباقة الشائعة",
        "The favourite of regular learners.",
        "المفضلة لدى المتعلمين الدائمين.",
        500,
        Decimal("20.00"),
    ),
    (
        "Pro",
        "الباقة الاحترافية",
        "For members who learn every week.",
        "لمن يتعلم كل أسبوع.",
        1200,
        Decimal("45.00"),
    ),
]

PLANS = [
    (
        "Premium monthly",
        "المميز الشهري",
        "A higher API rate limit and a premium badge, billed monthly.",
        "حد أعلى لطلبات الواجهة البرمجية وشارة مميزة، يُدفع شهرياً.",
        PlanInterval.MONTH,
        Decimal("9.00"),
    ),
    (
        "Premium yearly",
        "المميز السنوي",
        "Everything in monthly premium, two months free.",
        "كل مزايا الاشتراك الشهري مع شهرين مجاناً.",
        PlanInterval.YEAR,
        Decimal("90.00"),
    ),
]

DEMO_PURCHASE_KEY = "demo:billing:first-purchase"


def seed(context: Any) -> None:
    packages = []
    for order, (name_en, name_ar, text_en, text_ar, points, price) in enumerate(PACKAGES):
        package, created = Package.objects.get_or_create(
            name_en=name_en,
            defaults={
                "name_ar": name_ar,
                "description_en": text_en,
                "description_ar": text_ar,
                "points": points,
                "price": price,
                "currency": "USD",
                "sort_order": order,
            },
        )
        context.count("points packages", created)
        packages.append(package)

    for order, (name_en, name_ar, text_en, text_ar, interval, price) in enumerate(PLANS):
        _plan, created = Plan.objects.get_or_create(
            name_en=name_en,
            defaults={
                "name_ar": name_ar,
                "description_en": text_en,
                "description_ar": text_ar,
                "interval": interval,
                "price": price,
                "currency": "USD",
                "sort_order": order,
            },
        )
        context.count("premium plans", created)

    members: list[User] = context.objects.get("members") or list(
        User.objects.filter(email__startswith="member").order_by("pk")
    )
    if not members or "sandbox" not in enabled_gateway_names():
        return
    buyer = members[0]
    started = services.purchase_start(
        user=buyer,
        package=packages[0],
        gateway_name="sandbox",
        idempotency_key=DEMO_PURCHASE_KEY,
    )
    context.count("payments", not started.replayed)
