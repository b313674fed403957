"""Payment gateways, one module each, behind the one interface of ``base.py``.

``gateway(name)`` returns the configured gateway (``settings.BILLING_GATEWAYS`` lists the enabled
names; each module reads its own keys from settings). A gateway whose keys are missing still
exists but says ``available() is False``; the services refuse it with a 400.
"""

from __future__ import annotations

import importlib

from django.conf import settings

from billing.gateways.base import Gateway, GatewayUnavailable

# name -> module path; each module defines ``GATEWAY: Gateway`` (an instance).
GATEWAY_MODULES = {
    "stripe": "billing.gateways.stripe",
    "paypal": "billing.gateways.paypal",
    "paymob": "billing.gateways.paymob",
    "sandbox": "billing.gateways.sandbox",
}


def gateway(name: str) -> Gateway:
    """The gateway called ``name``; raises ``GatewayUnavailable`` for an unknown or disabled one."""
    if name not in GATEWAY_MODULES or name not in enabled_gateway_names():
        raise GatewayUnavailable(name)
    return importlib.import_module(GATEWAY_MODULES[name]).GATEWAY


def enabled_gateway_names() -> list[str]:
    """The gateways this deployment offers, in the settings' order."""
    return [name for name in settings.BILLING_GATEWAYS if name in GATEWAY_MODULES]
