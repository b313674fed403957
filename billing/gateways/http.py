"""The one HTTP client of the gateways that speak plain HTTP (PayPal, Paymob).

- Timeouts on every call (``BILLING_HTTP_TIMEOUT_SECONDS``).
- Retries (``BILLING_HTTP_RETRIES``) only for calls that are safe to repeat: GETs, token requests,
  and POSTs that carry the provider's idempotency header. A POST without one (a Paymob intention)
  is sent once: a retry after a lost answer could create a second charge.
- A transport that tests replace (``use_transport``) with ``httpx.MockTransport`` fakes that answer
  with the providers' real JSON (tests/billing/fakes_paypal.py, fakes_paymob.py).
- Provider failures become ``GatewayError`` with a member-safe message; provider bodies are never
  put into that message (they can carry card or personal data), only logged by status and name.

Also the money helpers of the boundary: ISO 4217 exponents, exact minor units, decimal strings.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import httpx
from django.conf import settings
from django.utils.translation import gettext

from billing.gateways.base import GatewayError

logger = logging.getLogger(__name__)

# Statuses worth another try on an idempotent call: throttled or the provider's side failed.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
BACKOFF_SECONDS = 0.25  # doubled after each failed try; tests set it to 0

_lock = threading.Lock()
_transport: httpx.BaseTransport | None = None
_client: httpx.Client | None = None


def unreachable_error() -> GatewayError:
    """The member-safe error for a provider that timed out or could not be reached."""
    return GatewayError(
        gettext("The payment provider could not be reached. Please try again in a few minutes.")
    )


def refused_error() -> GatewayError:
    """The member-safe error for a provider that refused the request."""
    return GatewayError(
        gettext("The payment provider refused the request. Try again or choose another way to pay.")
    )


def client() -> httpx.Client:
    """The shared client (one connection pool per process)."""
    global _client
    with _lock:
        if _client is None:
            _client = httpx.Client(
                transport=_transport,
                timeout=httpx.Timeout(float(settings.BILLING_HTTP_TIMEOUT_SECONDS)),
                follow_redirects=False,
                headers={"User-Agent": "SkillSwap-billing/1"},
            )
        return _client


@contextmanager
def use_transport(transport: httpx.BaseTransport) -> Iterator[None]:
    """Route every gateway call through ``transport`` (tests: an ``httpx.MockTransport``)."""
    global _transport, _client
    with _lock:
        previous, _transport = _transport, transport
        old_client, _client = _client, None
    try:
        yield
    finally:
        with _lock:
            if _client is not None:
                _client.close()
            _transport, _client = previous, old_client


def request(
    method: str,
    url: str,
    *,
    provider: str,
    idempotent: bool,
    headers: Mapping[str, str] | None = None,
    json: Any = None,
    content: bytes | None = None,
    data: Mapping[str, str] | None = None,
    auth: tuple[str, str] | None = None,
) -> httpx.Response:
    """Send one request and answer the provider's response, whatever its status.

    ``idempotent`` says whether the call may be repeated (a GET, a token request, a POST carrying
    the provider's idempotency header); only then are timeouts, connection errors and the
    statuses in ``RETRY_STATUSES`` retried, ``BILLING_HTTP_RETRIES`` times. Raises
    ``GatewayError`` (member-safe) when the provider cannot be reached.
    """
    attempts = 1 + (max(0, int(settings.BILLING_HTTP_RETRIES)) if idempotent else 0)
    delay = BACKOFF_SECONDS
    for attempt in range(1, attempts + 1):
        try:
            response = client().request(
                method,
                url,
                headers=dict(headers or {}),
                json=json,
                content=content,
                data=data,
                auth=auth,
                timeout=float(settings.BILLING_HTTP_TIMEOUT_SECONDS),
            )
        except httpx.HTTPError as exc:
            logger.warning(
                "%s %s %s failed (try %d of %d): %s",
                provider,
                method,
                httpx.URL(url).path,
                attempt,
                attempts,
                type(exc).__name__,
            )
            if attempt == attempts:
                raise unreachable_error() from exc
        else:
            if response.status_code not in RETRY_STATUSES or attempt == attempts:
                return response
            logger.warning(
                "%s %s %s answered %d (try %d of %d)",
                provider,
                method,
                httpx.URL(url).path,
                response.status_code,
                attempt,
                attempts,
            )
        if delay:
            time.sleep(delay)
            delay *= 2
    raise unreachable_error()  # pragma: no cover - the loop always returns or raises


def json_of(response: httpx.Response, *, provider: str, ok: tuple[int, ...] = (200, 201)) -> Any:
    """The JSON body of a successful response; ``GatewayError`` (member-safe) otherwise.

    The provider's error name (PayPal ``name``/``debug_id``, Paymob ``detail``) goes to the log,
    never to the member.
    """
    if response.status_code in ok:
        try:
            return response.json()
        except ValueError as exc:
            logger.error(
                "%s answered %d with a body that is not JSON", provider, response.status_code
            )
            raise refused_error() from exc
    logger.warning(
        "%s %s %s refused with %d: %s",
        provider,
        response.request.method,
        response.request.url.path,
        response.status_code,
        provider_error_name(response),
    )
    if response.status_code >= 500 or response.status_code in RETRY_STATUSES:
        raise unreachable_error()
    raise refused_error()


def provider_error_name(response: httpx.Response) -> str:
    """A short, body-free description of a provider error for the log."""
    try:
        body = response.json()
    except ValueError:
        return "(no JSON body)"
    if not isinstance(body, dict):
        return "(unexpected body)"
    parts = [
        str(body[key])[:120]
        for key in ("name", "debug_id", "error", "code", "detail")
        if key in body
    ]
    details = body.get("details")
    if isinstance(details, list):
        parts += [str(d.get("issue", ""))[:80] for d in details[:3] if isinstance(d, dict)]
    return " ".join(part for part in parts if part) or "(no error name)"


# --- money at the boundary ---

# ISO 4217 minor-unit exponents that are not 2 (every other currency has 2 decimals).
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "CLF": 4, "UYW": 4,
}  # fmt: skip


def currency_exponent(currency: str) -> int:
    """How many decimals ``currency`` has (ISO 4217): 2 for EGP and USD, 0 for JPY, 3 for KWD."""
    return _EXPONENTS.get(currency.upper(), 2)


def _exact(amount: Decimal, currency: str) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise GatewayError(gettext("This amount cannot be charged."))
    quantum = Decimal(1).scaleb(-currency_exponent(currency))
    exact = amount.quantize(quantum)
    if exact != amount:
        # A fraction smaller than the currency's unit would be rounded by someone; refuse it.
        raise GatewayError(gettext("This amount cannot be charged in this currency."))
    return exact


def minor_units(amount: Decimal, currency: str) -> int:
    """``amount`` in the currency's minor units, exactly (10.50 EGP -> 1050 piasters)."""
    return int(_exact(amount, currency).scaleb(currency_exponent(currency)))


def decimal_string(amount: Decimal, currency: str) -> str:
    """``amount`` as the decimal string providers expect ("10.50" USD, "1050" JPY)."""
    return format(_exact(amount, currency), "f")


def from_decimal_string(value: Any, currency: str) -> Decimal | None:
    """A provider's decimal string back to ``Decimal`` (``None`` when absent or malformed)."""
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        return None
    if not amount.is_finite():
        return None
    return amount.quantize(Decimal(1).scaleb(-currency_exponent(currency)))


def from_minor_units(value: Any, currency: str) -> Decimal | None:
    """A provider's integer minor units back to ``Decimal`` (1050 EGP piasters -> 10.50)."""
    if isinstance(value, bool):
        return None
    try:
        units = int(str(value))
    except ValueError:
        return None
    exponent = currency_exponent(currency)
    return (Decimal(units).scaleb(-exponent)).quantize(Decimal(1).scaleb(-exponent))
