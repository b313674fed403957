"""The member's pages that read swaps: me/preferences/, me/swaps/…, and offers/<id>/request/ (the
offer page's "Request a swap" address). The dashboard, me/, is ``dashboards:home``."""

from django.urls import URLPattern, URLResolver, path
from django.views.generic import RedirectView

from exchanges import views

app_name = "exchanges"


class _ReverseOnly(URLPattern):
    """A name that reverses to an address it never answers: another app's pattern serves it."""

    def resolve(self, path: str) -> None:
        return None


# Transitional: the dashboard's old name (now dashboards:home, the same me/), kept only while
# site/templates/_navigation.html still reverses exchanges:dashboard. Delete it once no template
# names it.
_old_dashboard = path("me/", RedirectView.as_view(pattern_name="dashboards:home"))

urlpatterns: list[URLPattern | URLResolver] = [
    _ReverseOnly(_old_dashboard.pattern, _old_dashboard.callback, name="dashboard"),
    path("me/preferences/", views.preferences_edit, name="preferences"),
    path("me/swaps/", views.swap_list, name="swap_list"),
    path("me/swaps/new/", views.swap_new, name="swap_new"),
    path("offers/<int:offer_id>/request/", views.swap_request_redirect, name="offer_request"),
    path("me/swaps/<int:swap_id>/", views.swap_detail, name="swap_detail"),
    path("me/swaps/<int:swap_id>/reschedule/", views.swap_reschedule, name="swap_reschedule"),
    path("me/swaps/<int:swap_id>/<slug:action>/", views.swap_move, name="swap_move"),
]
