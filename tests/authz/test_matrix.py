"""The authorization matrix, generated from the URLconf (docs/api.md, "Errors" and "Roles").

Every route of ``config.api_v1`` × every method it serves × role (anonymous, member, expert,
moderator, admin) × owner/other is sent once, against objects built for that call. The expected
outcome comes from ``tests/authz/matrix.py`` (data, one entry per route); a route or a method that
has no entry there fails ``test_every_route_and_method_has_a_matrix_entry``. Whenever the answer
is a refusal (any 4xx), no table of our apps changed.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from tests.accounts.factories import UserFactory, user_with_role
from tests.api_fuzz.conftest import changed_tables, fingerprint
from tests.authz.matrix import MATRIX, PASS, RELATIONS, ROLES, Entry
from tests.conftest import bearer

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Not endpoints: the catch-all 404 of /api/v1/.
UNNAMED_CATCH_ALL = None


def _walk(patterns: list, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield pattern


def _methods(pattern: URLPattern) -> tuple[str, ...]:
    """The HTTP methods a route's view serves (viewset actions or the APIView's handlers)."""
    callback = pattern.callback
    actions = getattr(callback, "actions", None)
    if actions:
        return tuple(sorted(method.upper() for method in actions))
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        return ("GET",)
    return tuple(
        method
        for method in HTTP_METHODS
        if method.lower() in view_class.http_method_names and hasattr(view_class, method.lower())
    )


def api_routes() -> dict[str, tuple[str, ...]]:
    """Route name -> methods, for every named route under /api/v1/."""
    from config import api_v1

    return {
        pattern.name: _methods(pattern)
        for pattern in _walk(api_v1.urlpatterns)
        if pattern.name is not UNNAMED_CATCH_ALL
    }


ROUTES = api_routes()
CASES = [
    (name, method)
    for name, methods in sorted(ROUTES.items())
    for method in methods
    if name in MATRIX and method in MATRIX[name].methods
]

ROLE_OF = {
    "member": Role.MEMBER,
    "expert": Role.EXPERT,
    "moderator": Role.MODERATOR,
    "admin": Role.ADMIN,
}


def caller_for(role: str):
    if role == "anonymous":
        return None
    staff = role in ("moderator", "admin")
    return user_with_role(ROLE_OF[role], is_staff=staff)


def peer_user():
    from tests.exchanges.factories import expert

    return expert()


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=bearer(user))
    return client


def outcome(status: int, expected: Any) -> Any:
    if isinstance(expected, tuple) and status in expected:
        return expected
    if status in (401, 403, 404):
        return status
    if status >= 500:
        return f"server error {status}"
    return PASS


def run_one(entry: Entry, name: str, method: str, role: str, relation: str) -> str | None:
    """Send one request; return a description of what went wrong, or None."""
    caller = caller_for(role)
    kwargs: dict[str, Any] = {}
    if entry.build is not None:
        owner = caller if relation == "owner" and caller is not None else UserFactory()
        kwargs = entry.build(owner, peer_user())
    url = reverse(f"api_v1:{name}", kwargs=kwargs or None)
    expected = entry.methods[method](role, relation)
    # Throttle counters are not what this test is about (the throttling tests are).
    cache.clear()
    before = fingerprint()

    response = getattr(client_for(caller), method.lower())(url, {}, format="json")

    got = outcome(response.status_code, expected)
    problems = []
    if got != expected:
        problems.append(f"expected {expected}, got {response.status_code}")
    if 400 <= response.status_code < 500:
        changed = changed_tables(before, fingerprint())
        if changed:
            problems.append(f"refused with {response.status_code} but changed {changed}")
    if problems:
        return f"{method} {url} as {role}/{relation}: " + "; ".join(problems)
    return None


def test_every_route_and_method_has_a_matrix_entry():
    # given every route the URLconf serves under /api/v1/
    # when each is looked up in the matrix
    missing = sorted(
        f"{name} {method}"
        for name, methods in ROUTES.items()
        for method in methods
        if name not in MATRIX or method not in MATRIX[name].methods
    )
    stale = sorted(
        f"{name} {method}"
        for name, entry in MATRIX.items()
        for method in entry.methods
        if method not in ROUTES.get(name, ())
    )

    # then there is an entry for each, and none for a route or method that no longer exists
    assert missing == []
    assert stale == []


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), CASES, ids=[f"{n} {m}" for n, m in CASES])
def test_each_role_gets_exactly_what_the_matrix_allows(name, method):
    entry = MATRIX[name]
    relations = RELATIONS if entry.owned else ("other",)
    problems = []

    # given each role, as the object's owner and as someone else
    for role in ROLES:
        for relation in relations:
            if role == "anonymous" and relation == "owner":
                continue
            # when sent, then the outcome is the matrix one and a refusal changes nothing
            problem = run_one(entry, name, method, role, relation)
            if problem:
                problems.append(problem)

    assert not problems, "\n".join(problems)
