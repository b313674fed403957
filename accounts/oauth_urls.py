"""Language-neutral addresses of accounts, mounted outside the /en/ and /ar/ patterns.

- ``accounts/google/login/callback/``: the one OAuth callback registered with Google, the same
  whatever the visitor's language (allauth reverses ``google_callback`` to it).
- any other ``accounts/…`` address without a language prefix redirects to the same page in the
  visitor's language (``/accounts/login/`` → ``/ar/accounts/login/``).
"""

from django.urls import URLPattern, URLResolver, path, re_path

from accounts import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("accounts/google/login/callback/", views.google_callback, name="google_callback"),
    re_path(r"^accounts/(?P<rest>.*)$", views.accounts_localize),
]
