"""Security headers on a site page and on an API answer (HSTS on HTTPS, as behind the proxy)."""

from __future__ import annotations

import pytest

SITE_PAGE = "/en/accounts/login/"
API_ANSWER = "/api/v1/health/"


@pytest.fixture
def https(settings):
    """What production.py turns on; requests arrive over HTTPS (the proxy says so)."""
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.django_db
@pytest.mark.parametrize("path", [SITE_PAGE, API_ANSWER])
def test_every_answer_carries_hsts_nosniff_referrer_and_permissions_policy(client, https, path):
    # when a page and an API answer are fetched over HTTPS
    response = client.get(path, secure=True)

    # then each carries the transport and browser-feature headers
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    policy = response["Permissions-Policy"]
    assert "geolocation=()" in policy
    assert "payment=()" in policy
    assert "camera=(self)" in policy
    assert "microphone=(self)" in policy


@pytest.mark.django_db
def test_site_pages_have_a_csp_without_unsafe_inline(client):
    # when a site page is fetched
    response = client.get(SITE_PAGE)

    # then its policy allows our own scripts and styles only, and no inline code at all
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_api_and_the_wagtail_admin_have_no_site_csp(client):
    # when the API and the Wagtail admin's sign-in page are fetched
    api = client.get(API_ANSWER)
    admin = client.get("/admin/login/")

    # then the site's policy is on neither (the admin needs its inline code; JSON needs none)
    assert "Content-Security-Policy" not in api
    assert admin.status_code == 200
    assert "Content-Security-Policy" not in admin
