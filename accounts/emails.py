"""The account e-mails: verification and password reset, in the recipient's language.

Links point at the browser pages django-allauth serves, so a person can click them; API clients
take the ``key`` (verification) or ``uid``/``token`` (reset) from the same e-mail and post them to
``auth/email/verify`` and ``auth/password/reset/confirm``.
"""

from __future__ import annotations

from allauth.account import app_settings as allauth_settings
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import User


def _absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _send(user: User, template: str, context: dict) -> None:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {**context, "user": user, "site_name": settings.WAGTAIL_SITE_NAME}
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context)
        body = render_to_string(f"accounts/email/{template}.txt", context)
        html = render_to_string(f"accounts/email/{template}.html", context)
    message = EmailMultiAlternatives(subject=" ".join(subject.split()), body=body, to=[user.email])
    message.attach_alternative(html, "text/html")
    message.send()


def verification_key(address: EmailAddress) -> str:
    """A signed key naming the address (allauth's format, valid for its expiry days)."""
    return EmailConfirmationHMAC(address).key


def email_verification_send(user: User) -> None:
    address, _ = EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"primary": True, "verified": False}
    )
    if address.verified:
        return
    key = verification_key(address)
    _send(
        user,
        "verify_email",
        {
            "key": key,
            "url": _absolute(reverse("account_confirm_email", kwargs={"key": key})),
            "expire_days": allauth_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS,
        },
    )


def password_reset_token(user: User) -> tuple[str, str]:
    """``(uid, token)``: the token is signed over the password hash, last login and e-mail,
    so it expires after PASSWORD_RESET_TIMEOUT and dies as soon as it has been used."""
    return user_pk_to_url_str(user), default_token_generator.make_token(user)


def password_reset_send(user: User) -> None:
    uid, token = password_reset_token(user)
    _send(
        user,
        "password_reset",
        {
            "uid": uid,
            "token": token,
            "url": _absolute(
                reverse("account_reset_password_from_key", kwargs={"uidb36": uid, "key": token})
            ),
            "expire_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
    )
