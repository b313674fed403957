"""django-allauth adapters: accounts made by the browser flows are onboarded like API sign-ups.

Whether someone signs up at ``/accounts/signup/``, with Google at ``/accounts/google/login/`` or
through ``POST auth/signup``, they get the member role and ``extensions.user_created`` runs in the
transaction that creates them.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.db import transaction

from accounts import services


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: Any, user: Any, form: Any, commit: bool = True) -> Any:
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=commit)
            if commit and not getattr(user, "_skillswap_onboarded", False):
                services.user_onboard(user=user)
        return user


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def save_user(self, request: Any, sociallogin: Any, form: Any = None) -> Any:
        with transaction.atomic():
            user = super().save_user(request, sociallogin, form)
            if not getattr(user, "_skillswap_onboarded", False):
                services.user_onboard(user=user)
        return user
