"""Site pages of accounts: allauth's browser flows under /<lang>/accounts/, and the member's pages.

allauth's own ``allauth.urls`` is not included whole: its Google callback must stay at one
language-neutral address (``accounts.oauth_urls``), and Google's login view is wrapped so an
unconfigured Google answers a clear page instead of a 500.
"""

from django.urls import URLPattern, URLResolver, include, path

from accounts import views

# No app_name: allauth reverses its own names (account_login, …) without a namespace.
urlpatterns: list[URLPattern | URLResolver] = [
    path("accounts/google/login/", views.google_login, name="google_login"),
    path("accounts/", include("allauth.account.urls")),
    path("accounts/3rdparty/", include("allauth.socialaccount.urls")),
    path("me/profile/", views.profile_edit, name="profile_edit"),
]
