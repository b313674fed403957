"""The notification kinds billing sends, with their texts (registered with messaging).

Discovered by messaging (``messaging.notification_kinds``); same ``order`` numbers as the
provisional registrations they replace, so the API's kinds keep their place. Context keys:
``amount`` (e.g. "10.00 USD"), ``points``; ``payment_failed`` also ``reason``;
``payment_refunded`` has ``amount`` (what this refund or chargeback took back in money) and
``points`` (the points taken back from the wallet with it).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from messaging.notification_kinds import register

register(
    "payment_succeeded",
    label=_("Payment succeeded"),
    title=_("Payment received"),
    body=_("Your payment of %(amount)s went through; %(points)s points were added."),
    order=500,
)
register(
    "payment_failed",
    label=_("Payment failed"),
    title=_("Payment failed"),
    body=_("Your payment of %(amount)s did not go through: %(reason)s"),
    order=510,
)
register(
    "payment_refunded",
    label=_("Payment refunded"),
    title=_("Payment refunded"),
    body=_("%(amount)s of your payment came back to you; %(points)s points were taken back."),
    order=520,
)
