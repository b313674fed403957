"""Language selection for the site and the API."""

from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers

# Machine-facing prefixes: the language comes from Accept-Language, and a 404 there must stay a
# 404 in the API's error shape instead of a redirect to "/en/api/...", which Wagtail's catch-all
# page route would otherwise make look valid.
UNPREFIXED_PATHS = ("/api/", "/ws/", "/admin/", "/accounts/", "/static/", "/media/", "/documents/")


class SiteLocaleMiddleware(LocaleMiddleware):
    """LocaleMiddleware that never redirects machine-facing paths to a language prefix."""

    def process_request(self, request: HttpRequest) -> None:
        if request.path_info.startswith(UNPREFIXED_PATHS):
            # No language prefix on these paths: the language cookie or Accept-Language decides,
            # resolved once, without matching the path against the languages twice.
            translation.activate(translation.get_language_from_request(request, check_path=False))
            request.LANGUAGE_CODE = translation.get_language()
            return None
        return super().process_request(request)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.path_info.startswith(UNPREFIXED_PATHS):
            patch_vary_headers(response, ("Accept-Language",))
            response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
            return response
        return super().process_response(request, response)
