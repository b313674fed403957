"""The notification kinds the marketplace sends, with their texts (registered with messaging).

Discovered by messaging (``messaging.notification_kinds``). ``offer_expiring`` context keys:
``offer_title``, ``end`` (ISO 8601, shown in the owner's time zone and language) and
``renew_url`` (the one-click renew page, marketplace/services/expiry.py).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from messaging.notification_kinds import register

register(
    "offer_expiring",
    label=_("Offer expiring"),
    title=_("Your offer expires soon"),
    body=_(
        "Your offer “%(offer_title)s” leaves the listings on %(end)s. "
        "Renew it for another period in one click: %(renew_url)s"
    ),
    order=870,
)
