"""The browser-test harness: a real ASGI server, Debian's Chromium through Playwright, axe-core.

Fixtures (the names are pinned; the community, billing and rewards pages test against them):

- ``live_server_url``: base URL of uvicorn serving ``config.asgi.application`` (HTTP, WebSocket and
  the static files) from a thread of this process, against the test database. Tests using it are
  transactional, so what a test writes is committed and the server sees it; the database starts
  each test as the migrations left it (the Wagtail tree, the role groups), reloaded by
  ``_database_emptied`` because the flush between transactional tests wipes data migrations' rows.
- ``browser`` (session): headless ``/usr/bin/chromium`` (``SKILLSWAP_CHROMIUM`` overrides), fake
  camera and microphone, no background networking.
- ``new_context(user=None, *, locale="en", viewport="desktop")``: a browser context, signed in as
  ``user`` through a Django session cookie (no UI sign-in) or anonymous; "mobile" is 360x740.
- ``demo_users``: ``member``, ``expert``, ``moderator``, ``editor``, ``admin`` (password
  ``DEMO_PASSWORD``).
- ``screenshot(page, name)``: a full-page PNG at ``var/screenshots/<name>.png``.
- ``axe_check(page)``: axe-core (``make e2e-setup`` installs it from npm into node_modules) in the
  page; fails on any "serious" or "critical" violation.
- ``console_errors(page)``: the page's console errors and uncaught exceptions, as a live list
  (attach it before ``page.goto``).

The e2e tests never skip: without Chromium or axe-core they fail and say what to install.

In a test body the ORM works as usual (see ``_orm_beside_playwright``). A call that ends in
``async_to_sync`` in the test's own thread (a service whose after-commit effect broadcasts over
the channel layer) must run inside ``with outside_playwright_loop():``: asgiref refuses a thread
that has a running loop. Prefer doing such things through the pages, as a member would.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("SKILLSWAP_CHROMIUM", "/usr/bin/chromium")
AXE_JS = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOT_DIR = BASE_DIR / "var" / "screenshots"
DEMO_PASSWORD = "demo-pass-123"  # noqa: S105 - throwaway test accounts
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "mobile": {"width": 360, "height": 740},
}
# Playwright's default per-action timeout (30 s) turns one missing element into a long wait.
ACTION_TIMEOUT_MS = 10_000
SERVER_START_TIMEOUT = 20.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test, marked or not."""
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.e2e)


# ---------------------------------------------------------------------------------------------
# Django's async-unsafe guard
# ---------------------------------------------------------------------------------------------


class PlaywrightDriver:
    """Playwright's sync API, and the one "running loop" mark it needs in the main thread.

    Between two sync calls Playwright leaves its event loop marked as the thread's running loop
    (its dispatcher greenlet really is inside ``run_until_complete``) and relies on that mark
    for the next call. While the mark is set, Django refuses every ORM call of the thread
    (SynchronousOnlyOperation) and asgiref refuses ``async_to_sync``. So the mark is set only
    while a browser test or a Playwright session fixture runs (``turn()``), and cleared
    otherwise: the database setup before and the tests after the e2e ones (the ORM, the async
    consumer tests) find a thread with no loop, as they would without Playwright.
    """

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._manager = sync_playwright()
        self.playwright = self._manager.start()
        self.loop: asyncio.AbstractEventLoop = self._manager._loop
        self.leave()

    def enter(self) -> None:
        asyncio._set_running_loop(self.loop)  # private, but Playwright itself sets it so

    def leave(self) -> None:
        asyncio._set_running_loop(None)

    @contextmanager
    def turn(self) -> Iterator[None]:
        self.enter()
        try:
            yield
        finally:
            self.leave()

    def stop(self) -> None:
        with self.turn():
            self._manager.__exit__(None, None, None)


@pytest.fixture
def _database_emptied(transactional_db: None, django_db_blocker: Any) -> None:
    """Start every browser test from the database as the migrations left it.

    Django's serialized rollback is not used: its restore inserts rows by primary key on top of
    what is there, and after a transactional test whose flush let post_migrate recreate content
    types under new ids, the two collide. Here every table is emptied first (sequences kept, or
    they would hand out the restored ids again), then the fresh database's rows, serialized once
    by tests/conftest.py's django_db_setup, are loaded, and the process's ContentType cache (ids
    of rows that no longer exist) is cleared. It runs after ``transactional_db`` whatever order
    pytest sets fixtures up in, and before the test's own data.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection

    from tests.conftest import PRISTINE_DATABASE, pristine_restore

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            pristine_restore(connection)
        else:
            call_command(
                "flush",
                interactive=False,
                inhibit_post_migrate=True,
                reset_sequences=False,
                verbosity=0,
            )
            connection.creation.deserialize_db_from_string(PRISTINE_DATABASE[0])
    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def _orm_beside_playwright(
    monkeypatch: pytest.MonkeyPatch,
    _playwright: PlaywrightDriver,
    _database_emptied: None,
) -> Iterator[None]:
    """Give the test Playwright's loop mark, and let its body use the ORM all the same.

    Django's async-unsafe guard protects code running *on* an event loop. Here the loop only
    relays Playwright's messages and never touches the ORM, and the test body is plain
    synchronous code with its own thread-local connection, so lifting the guard
    (DJANGO_ALLOW_ASYNC_UNSAFE) is safe. It is lifted for the e2e tests only (this fixture is
    autouse in tests/e2e/ alone) and restored after each.

    The database is set up before the mark and flushed after it is cleared, on purpose: with a
    running loop in the thread, asgiref's thread-critical ``Local`` (Django's connections) hands
    out a context-variable connection instead of the thread's own, so setup and teardown would
    work on another connection than the rest of the test machinery.
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    _playwright.enter()
    yield
    _playwright.leave()


@contextmanager
def outside_playwright_loop() -> Iterator[None]:
    """Hide Playwright's loop from the current thread for a block (for ``async_to_sync``)."""
    loop = asyncio._get_running_loop()
    asyncio._set_running_loop(None)
    try:
        yield
    finally:
        asyncio._set_running_loop(loop)


# ---------------------------------------------------------------------------------------------
# The live server
# ---------------------------------------------------------------------------------------------


class LiveServer:
    """uvicorn serving the project's ASGI application from a daemon thread, on a free port."""

    def __init__(self) -> None:
        import uvicorn
        from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

        from config.asgi import application

        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            # Static files from the finders, as Channels' own live server does: nothing to collect.
            ASGIStaticFilesHandler(application),
            lifespan="off",
            log_level="warning",
            access_log=False,
            # Open sockets (a chat page left open) must not hold the shutdown at session end.
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name="e2e-uvicorn",
            daemon=True,
        )

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the e2e live server (uvicorn) stopped while starting")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the e2e live server did not start in {SERVER_START_TIMEOUT}s")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


@pytest.fixture(scope="session")
def _live_server(django_db_setup: None) -> Iterator[LiveServer]:
    """One server for the session; it sees each test's data through ``live_server_url``."""
    server = LiveServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live_server_url(_live_server: LiveServer, _database_emptied: None) -> str:
    """Base URL of the live server, e.g. ``http://127.0.0.1:41234`` (no trailing slash)."""
    return _live_server.url


# ---------------------------------------------------------------------------------------------
# The browser
# ---------------------------------------------------------------------------------------------


def chromium_missing_reason() -> str | None:
    """Why the browser cannot start, or None."""
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return (
            f"Chromium is not installed at {CHROMIUM}: run `scripts/browser` (installs Debian's "
            "chromium and chromium-driver with apt) or set SKILLSWAP_CHROMIUM. The e2e tests "
            "never download a browser and never skip."
        )
    return None


@pytest.fixture(scope="session")
def _playwright(django_db_setup: None) -> Iterator[PlaywrightDriver]:
    """Playwright's driver, started after the test database exists (that setup uses the ORM)."""
    driver = PlaywrightDriver()
    yield driver
    driver.stop()


@pytest.fixture(scope="session")
def browser(_playwright: PlaywrightDriver) -> Iterator[Any]:
    """Headless Debian Chromium with fake media devices; shared by the whole session."""
    missing = chromium_missing_reason()
    if missing:
        pytest.fail(missing, pytrace=False)
    with _playwright.turn():
        instance = _playwright.playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
    yield instance
    with _playwright.turn():
        instance.close()


def _locale_tag(locale: str) -> str:
    return {"en": "en-US", "ar": "ar"}.get(locale, locale)


def session_cookie_for(user: Any) -> str:
    """A fresh Django session for ``user`` (as a sign-in would make), its cookie value."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def new_context(browser: Any, live_server_url: str) -> Iterator[Callable[..., Any]]:
    """Build browser contexts: ``new_context(user=None, *, locale="en", viewport="desktop")``."""
    contexts: list[Any] = []

    def build(user: Any = None, *, locale: str = "en", viewport: str = "desktop") -> Any:
        if viewport not in VIEWPORTS:
            raise ValueError(f"viewport must be one of {sorted(VIEWPORTS)}, not {viewport!r}")
        context = browser.new_context(
            base_url=live_server_url,
            locale=_locale_tag(locale),
            viewport=VIEWPORTS[viewport],
            is_mobile=viewport == "mobile",
            has_touch=viewport == "mobile",
            timezone_id="UTC",
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        if user is not None:
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": session_cookie_for(user),
                        "url": live_server_url,
                        "httpOnly": True,
                        "sameSite": "Lax",
                    }
                ]
            )
        return context

    yield build
    for context in contexts:
        context.close()


# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUsers:
    member: Any
    expert: Any
    moderator: Any
    editor: Any
    admin: Any


@pytest.fixture
def demo_users(_database_emptied: None) -> DemoUsers:
    """One user per role, made by the factories and given their groups as the platform does."""
    from django.contrib.auth.models import Group

    from accounts.roles import Role
    from tests.accounts.factories import user_with_role

    def person(email: str, first_name: str, last_name: str) -> dict[str, str]:
        return {
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "password": DEMO_PASSWORD,
        }

    member = user_with_role(Role.MEMBER, **person("member@demo.test", "Mona", "Member"))
    expert = user_with_role(Role.EXPERT, **person("expert@demo.test", "Elias", "Expert"))
    moderator = user_with_role(Role.MODERATOR, **person("moderator@demo.test", "Maha", "Mod"))
    admin = user_with_role(Role.ADMIN, **person("admin@demo.test", "Adam", "Admin"))
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    editor = user_with_role(Role.MEMBER, **person("editor@demo.test", "Eman", "Editor"))
    # Wagtail's own "Editors" group (its migration creates it; a flushed database may lack it).
    editors, _ = Group.objects.get_or_create(name="Editors")
    editor.groups.add(editors)
    editor.is_staff = True
    editor.save(update_fields=["is_staff"])
    return DemoUsers(member=member, expert=expert, moderator=moderator, editor=editor, admin=admin)


# ---------------------------------------------------------------------------------------------
# Page helpers
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    """``screenshot(page, name)``: a full-page PNG under var/screenshots/ (never committed)."""

    def take(page: Any, name: str) -> Path:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.fail(
            f"axe-core is missing ({AXE_JS}): run `make e2e-setup` (npm ci installs it from "
            "package-lock.json).",
            pytrace=False,
        )
    return AXE_JS.read_text(encoding="utf-8")


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}: {node.get('failureSummary', '').strip()}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


AXE_RUN = """async () => {
    const result = await axe.run(document, {resultTypes: ["violations"]});
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({target: n.target, failureSummary: n.failureSummary})),
    }));
}"""
FAILING_IMPACTS = ("serious", "critical")


@pytest.fixture
def axe_check() -> Callable[[Any], list[dict[str, Any]]]:
    """``axe_check(page)``: run axe-core in the page; fail on serious or critical violations.

    The script is evaluated through the DevTools protocol, which the page's
    Content-Security-Policy does not govern (a ``<script>`` tag injected into the page would be
    refused by a policy without 'unsafe-inline'). Returns every violation found (minor and
    moderate ones included) for tests that want to look closer.
    """

    def check(page: Any) -> list[dict[str, Any]]:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(f"() => {{ {axe_source()}\n; window.axe = axe; }}")
        violations: list[dict[str, Any]] = page.evaluate(AXE_RUN)
        failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
        if failing:
            pytest.fail(
                f"axe-core found {len(failing)} serious or critical violation(s) on {page.url}:\n"
                + format_violations(failing),
                pytrace=False,
            )
        return violations

    return check


@pytest.fixture
def console_errors() -> Callable[[Any], list[str]]:
    """``console_errors(page)``: a list that fills with the page's console errors and exceptions.

    Attach it before ``page.goto`` so that errors during loading are caught too.
    """

    def attach(page: Any) -> list[str]:
        errors: list[str] = []
        page.on(
            "console",
            lambda message: errors.append(message.text) if message.type == "error" else None,
        )
        page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
        return errors

    return attach
