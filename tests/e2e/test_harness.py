"""The harness itself: server, sign-in by cookie, WebSocket, axe-core, console capture."""

from __future__ import annotations

import json

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.e2e

# A page served by a Playwright route under the live server's origin, behind a strict policy:
# axe must run where the site's Content-Security-Policy forbids inline scripts.
STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'"
CLEAN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Probe</title></head><body><header><p>Site</p></header><main><h1>Probe</h1>
<form><label for="q">Search</label><input id="q" name="q"></form></main>
<footer><p>Footer</p></footer></body></html>"""
BROKEN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Probe</title></head><body><main><h1>Probe</h1><img src="/static/none.png">
<form><input name="q"></form></main></body></html>"""


def serve_probe(page, url: str, html: str) -> None:
    page.route(
        url,
        lambda route: route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": STRICT_CSP},
            body=html,
        ),
    )


def test_live_server_answers_health_over_http(new_context, live_server_url):
    # given an anonymous browser
    page = new_context().new_page()

    # when it asks the live server for the health check
    response = page.request.get(f"{live_server_url}/api/v1/health/")

    # then the ASGI application answers from the test database
    assert response.status == 200
    assert response.json()["status"] == "ok"


def test_live_server_serves_static_files(new_context, live_server_url):
    # given an anonymous browser
    page = new_context().new_page()

    # when it fetches the site's stylesheet
    response = page.request.get(f"{live_server_url}/static/css/site.css")

    # then the live server serves it from the finders (nothing collected)
    assert response.status == 200
    assert "text/css" in response.headers["content-type"]


def test_signed_in_context_sees_a_signed_in_page(new_context, demo_users):
    # given a context signed in as the admin by session cookie, and an anonymous one
    signed_in = new_context(demo_users.admin).new_page()
    anonymous = new_context().new_page()

    # when both open the Wagtail admin
    signed_in.goto("/admin/")
    anonymous.goto("/admin/")

    # then only the signed-in one gets in; the other lands on the sign-in form
    assert "/admin/login/" not in signed_in.url
    assert signed_in.get_by_role("heading", level=1).count() >= 1
    assert "/admin/login/" in anonymous.url


def test_mobile_context_is_360_wide_and_arabic(new_context, live_server_url):
    # given a mobile context in Arabic
    page = new_context(locale="ar", viewport="mobile").new_page()

    # when it opens any page of the site
    page.goto("/api/v1/health/")

    # then the viewport is 360 px and the browser asks for Arabic
    assert page.evaluate("() => window.screen.width") == 360
    assert page.evaluate("() => navigator.language") == "ar"


def test_websocket_connects_to_the_live_server(new_context, live_server_url):
    # given a member with an access token and a page of the site (same origin as the socket)
    member = UserFactory()
    token = str(AccessToken.for_user(member))
    page = new_context().new_page()
    page.goto("/api/v1/health/")
    socket_url = live_server_url.replace("http://", "ws://") + f"/ws/ping/?token={token}"

    # when the page opens the ping socket and sends a frame
    reply = page.evaluate(
        """url => new Promise((resolve, reject) => {
            const socket = new WebSocket(url);
            socket.onopen = () => socket.send(JSON.stringify({type: "ping"}));
            socket.onmessage = event => { resolve(event.data); socket.close(); };
            socket.onclose = event => reject(new Error("closed " + event.code));
            setTimeout(() => reject(new Error("no reply")), 5000);
        })""",
        socket_url,
    )

    # then the socket was authenticated and answered by the consumer
    assert json.loads(reply) == {"type": "pong", "user_id": member.pk}


def test_axe_passes_a_clean_page_under_a_strict_csp(new_context, live_server_url, axe_check):
    # given a clean page behind a Content-Security-Policy without 'unsafe-inline'
    page = new_context().new_page()
    serve_probe(page, f"{live_server_url}/e2e-probe/", CLEAN_PAGE)
    page.goto("/e2e-probe/")

    # when axe runs in it
    violations = axe_check(page)

    # then it ran and found nothing serious
    assert [v for v in violations if v["impact"] in ("serious", "critical")] == []


def test_axe_fails_a_page_with_serious_violations(new_context, live_server_url, axe_check):
    # given a page with an image without alt text and an unlabelled field
    page = new_context().new_page()
    serve_probe(page, f"{live_server_url}/e2e-probe/", BROKEN_PAGE)
    page.goto("/e2e-probe/")

    # when axe runs in it, then the check fails naming each rule
    with pytest.raises(pytest.fail.Exception) as failure:
        axe_check(page)
    assert "image-alt" in str(failure.value)
    assert "label" in str(failure.value)


def test_console_errors_collects_errors_and_exceptions(
    new_context, live_server_url, console_errors
):
    # given a page whose console is watched from before it loads
    page = new_context().new_page()
    errors = console_errors(page)
    page.goto("/api/v1/health/")

    # when it logs an error and throws
    page.evaluate(
        "() => { console.error('boom'); setTimeout(() => { throw new Error('bang'); }); }"
    )
    page.wait_for_timeout(100)

    # then both are in the list
    assert errors[0] == "boom"
    assert "bang" in errors[1]


def test_screenshot_writes_a_png(new_context, live_server_url, screenshot):
    # given a page
    page = new_context().new_page()
    page.goto("/api/v1/health/")

    # when a screenshot is taken
    path = screenshot(page, "e2e-harness-probe")

    # then it is a PNG under var/screenshots/
    assert path.parent.name == "screenshots"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
