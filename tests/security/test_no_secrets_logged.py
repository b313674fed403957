"""Secrets and tokens never reach the logs (docs/pitfalls.md).

Every log record of every logger, at every level, is captured while a member signs up, signs in
(also with a wrong password), refreshes, signs out, asks for and completes a password reset, and
while a payment webhook arrives with a Stripe-like signature header; then the text of the logs
(messages, arguments and tracebacks) is searched for the password, the tokens, the reset link's
token, the webhook signature and the secret key.
"""

from __future__ import annotations

import logging
import re

import pytest
from django.core import mail

PASSWORD = "Horse-Battery-Staple-42!"  # noqa: S105
NEW_PASSWORD = "Another-Long-Passphrase-77?"  # noqa: S105
STRIPE_SIGNATURE = "t=1700000000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108"
WEBHOOK_SECRET = "whsec_test_do_not_log_0123456789abcdef"  # noqa: S105


class Everything(logging.Handler):
    """Collects the full text of every record, arguments and traceback included."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        parts = [record.getMessage(), repr(record.args), repr(record.__dict__)]
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        self.texts.append("\n".join(parts))


@pytest.fixture
def captured_logs():
    handler = Everything()
    root = logging.getLogger()
    loggers = [root] + [logging.getLogger(name) for name in logging.root.manager.loggerDict]
    saved = [(logger, logger.level, logger.propagate) for logger in loggers]
    root.addHandler(handler)
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        if logger is not root:
            # Loggers that stop propagating would otherwise hide their records from us.
            logger.addHandler(handler)
    yield handler
    root.removeHandler(handler)
    for logger, level, _propagate in saved:
        logger.setLevel(level)
        if logger is not root:
            logger.removeHandler(handler)


@pytest.mark.django_db
def test_sign_in_refresh_reset_and_webhooks_log_no_secret(
    api_client, settings, captured_logs, django_capture_on_commit_callbacks
):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    secrets = {
        "password": PASSWORD,
        "new password": NEW_PASSWORD,
        "secret key": settings.SECRET_KEY,
        "webhook signature": STRIPE_SIGNATURE,
        "webhook secret": WEBHOOK_SECRET,
    }

    # given a member who signs up and in, once with a wrong password
    email = "secretive@example.test"
    signup = api_client.post(
        "/api/v1/auth/signup/",
        {"email": email, "password": PASSWORD, "first_name": "Sam", "last_name": "Secret"},
        format="json",
    )
    assert signup.status_code == 201, signup.content
    api_client.post("/api/v1/auth/login/", {"email": email, "password": PASSWORD + "x"})
    login = api_client.post("/api/v1/auth/login/", {"email": email, "password": PASSWORD})
    assert login.status_code == 200
    pair = login.json()
    secrets["access token"], secrets["refresh token"] = pair["access"], pair["refresh"]

    # when they refresh, reset their password from the e-mailed token, and sign out
    refreshed = api_client.post("/api/v1/auth/refresh/", {"refresh": pair["refresh"]})
    assert refreshed.status_code == 200
    secrets["rotated refresh token"] = refreshed.json()["refresh"]
    secrets["rotated access token"] = refreshed.json()["access"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reset = api_client.post("/api/v1/auth/password/reset/", {"email": email})
    assert reset.status_code < 300
    reset_mail = mail.outbox[-1].body
    uid, token = re.search(r"uid[^\w]+(\w+)\W+token[^\w]+([\w-]+)", reset_mail).groups()
    secrets["reset token"] = token
    confirm = api_client.post(
        "/api/v1/auth/password/reset/confirm/",
        {"uid": uid, "token": token, "new_password": NEW_PASSWORD},
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    api_client.post("/api/v1/auth/logout/", {"refresh": secrets["rotated refresh token"]})
    # and a payment webhook arrives signed the way Stripe signs
    api_client.post(
        "/api/v1/payments/webhooks/stripe/",
        b'{"id": "evt_1", "type": "payment_intent.succeeded"}',
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=STRIPE_SIGNATURE,
    )

    # then the logs hold none of the secrets
    assert confirm.status_code < 500
    logged = "\n".join(captured_logs.texts)
    assert captured_logs.texts, "nothing was logged at all: the capture is broken"
    leaked = sorted(name for name, value in secrets.items() if value and value in logged)
    assert leaked == []
