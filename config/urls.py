"""Top-level routes: the API, its docs, the Wagtail admin, sign-in, and the localized site."""

import sys

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views import defaults
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from config.api.errors import api_error_response, api_not_found, is_api_request
from config.unavailable import service_unavailable, unavailable_response

urlpatterns = [
    path("api/v1/", include("config.api_v1")),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_v1:schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api_v1:schema"), name="api-redoc"),
    # Anything else under /api/ is a 404 in the error shape, whatever the method or DEBUG.
    re_path(r"^api/", api_not_found),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    # Language-neutral addresses: sitemap.xml, robots.txt, favicon.ico.
    path("", include("cms.seo_urls")),
    # Addresses that must not depend on the visitor's language (the OAuth callback registered with
    # Google); everything else of allauth is localized below.
    path("", include("accounts.oauth_urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# The public site, /en/… and /ar/…; Wagtail's catch-all must come last.
urlpatterns += i18n_patterns(
    # Sign-in, sign-up and the member's own pages (me/, me/profile/, me/preferences/).
    path("", include("accounts.urls")),
    # Public marketplace: offers/, offers/<id>/, categories/, people/<id>/.
    path("", include("marketplace.urls")),
    # The member's offers: me/offers/….
    path("", include("marketplace.member_urls")),
    # Renewing an offer: the owner's button and the reminder's one-click link.
    path("", include("marketplace.expiry_urls")),
    # Swaps: offers/<id>/request/, me/swaps/….
    path("", include("exchanges.urls")),
    # The video call page: calls/<id>/.
    path("", include("exchanges.call_urls")),
    # The wallet: me/wallet/.
    path("", include("rewards.urls")),
    # Messages and notifications: me/messages/…, me/notifications/.
    path("", include("messaging.urls")),
    # Forum threads' stable addresses (forums/threads/<id>/); categories and threads themselves
    # are Wagtail pages under /forums/ (routable pages).
    path("", include("community.forums.urls")),
    # Reviews: me/reviews/new/<swap id>/, me/reviews/….
    path("", include("community.reviews.urls")),
    # The member's bookings: me/events/; events themselves are Wagtail pages under /events/.
    path("", include("community.events.urls")),
    # Reports and support: report/, support/, me/tickets/….
    path("", include("community.moderation.urls")),
    # Buying points, plans and payment history: me/wallet/buy/…, me/billing/….
    path("", include("billing.urls")),
    path("", include("dashboards.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=True,
)


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return api_error_response(request, 404)
    return defaults.page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    # A database or Redis outage raised inside a middleware (not a view) lands here.
    exc = sys.exc_info()[1]
    if exc is not None and service_unavailable(exc):
        return unavailable_response(request)
    if is_api_request(request):
        return api_error_response(request, 500)
    return defaults.server_error(request)


def handler403(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return api_error_response(request, 403)
    return defaults.permission_denied(request, exception)


def handler400(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return api_error_response(request, 400)
    return defaults.bad_request(request, exception)
