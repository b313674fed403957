"""Wagtail admin screens of the accounts app (the user viewset itself: accounts.admin_users)."""

from django.urls import path
from wagtail import hooks

from accounts import admin_users


@hooks.register("register_user_listing_buttons")
def suspension_buttons(user, request_user):
    return admin_users.suspension_buttons(user, request_user)


@hooks.register("register_admin_urls")
def suspension_urls():
    return [
        path(
            "accounts/users/<int:user_id>/suspend/",
            admin_users.suspend_view,
            name="accounts_admin_suspend",
        ),
        path(
            "accounts/users/<int:user_id>/reactivate/",
            admin_users.reactivate_view,
            name="accounts_admin_reactivate",
        ),
    ]
