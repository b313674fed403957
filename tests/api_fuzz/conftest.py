"""The API judged from outside: the OpenAPI schema, a populated world, and a database fingerprint.

The schema is generated from the code (the same document ``/api/v1/schema/`` serves), so every
path, parameter and body the fuzzers try is one the schema promises.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps

from accounts.roles import Role
from tests.accounts.factories import UserFactory, user_with_role
from tests.conftest import bearer

# The apps whose tables a refused request must leave untouched.
# (top-level packages: community's four apps are community.moderation, community.forums, ...)
OUR_APPS = (
    "accounts",
    "marketplace",
    "exchanges",
    "messaging",
    "rewards",
    "community",
    "billing",
    "dashboards",
)


# Columns whose latest value moves when a row changes in place.
CHANGE_COLUMNS = ("updated_at", "modified_at", "edited_at", "read_at", "last_login")


def _fingerprint_sql() -> str:
    """One statement over every table of our apps: row count, highest id, latest change times.

    One round trip instead of one per table (there are about a hundred): the authorization
    matrix and the fuzzers take a fingerprint around every request they send.
    """
    from django.db import connection

    quote = connection.ops.quote_name
    parts = []
    for config in apps.get_app_configs():
        if config.name.split(".")[0] not in OUR_APPS:
            continue
        for model in config.get_models():
            if model._meta.proxy or not model._meta.managed:
                continue
            columns = {field.name: field.column for field in model._meta.concrete_fields}
            pk = quote(model._meta.pk.column)
            changed = (
                " || '|' || ".join(
                    f"COALESCE(CAST(MAX({quote(columns[name])}) AS TEXT), '')"
                    for name in CHANGE_COLUMNS
                    if name in columns
                )
                or "''"
            )
            table = quote(model._meta.db_table)
            label = model._meta.label
            parts.append(
                f"SELECT '{label}', COUNT(*), CAST(MAX({pk}) AS TEXT), {changed} "  # noqa: S608
                f"FROM {table}"  # our own model and column names only
            )
    return " UNION ALL ".join(parts)


_FINGERPRINT_SQL: list[str] = []


def fingerprint() -> dict[str, tuple[Any, ...]]:
    """Per table of our apps: row count, highest id and latest change times (one query)."""
    from django.db import connection

    if not _FINGERPRINT_SQL:
        _FINGERPRINT_SQL.append(_fingerprint_sql())
    with connection.cursor() as cursor:
        cursor.execute(_FINGERPRINT_SQL[0])
        return {label: tuple(rest) for label, *rest in cursor.fetchall()}


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(label for label in after if before.get(label) != after[label])


@pytest.fixture
def google(settings):
    """Google sign-in configured against the loopback fake, so auth/google answers for real."""
    from tests.accounts.google_fake import CLIENT_ID, CLIENT_SECRET, FakeGoogle

    fake = FakeGoogle().start()
    settings.GOOGLE_CLIENT_ID = CLIENT_ID
    settings.GOOGLE_CLIENT_SECRET = CLIENT_SECRET
    settings.GOOGLE_CERTS_URL = fake.certs_url
    settings.GOOGLE_TOKEN_URL = fake.token_url
    yield fake
    fake.stop()


@pytest.fixture
def world(db, google) -> dict[str, Any]:
    """A member with one of everything the write endpoints act on, a peer and a staff member.

    Returns the users, their Authorization headers, and the ids path parameters should take.
    """
    from exchanges import services as exchanges
    from messaging import services as messaging
    from tests.exchanges.factories import at, expert
    from tests.marketplace.factories import SkillFactory, SlotFactory, UserSkillFactory, make_offer

    member = UserFactory(first_name="Mona", last_name="Member")
    peer = expert(first_name="Peter", last_name="Peer")
    staff = user_with_role(Role.ADMIN, first_name="Sam", last_name="Staff", is_staff=True)
    skill = SkillFactory(name_en="Guitar")
    offer = make_offer(owner=member, title="Guitar basics", offered=[skill])
    user_skill = UserSkillFactory(user=member, skill=skill)
    slot = SlotFactory(user=member)
    swap = exchanges.swap_create(requester=member, responder=peer, scheduled_start=at(2))
    exchanges.swap_accept(swap=swap, actor=peer)
    call, _ = exchanges.video_call_create(swap=swap, actor=member)
    pending = exchanges.swap_create(requester=member, responder=peer, scheduled_start=at(50))
    thread = messaging.thread_get_or_create_for_pair(user_a=member, user_b=peer)
    message = messaging.message_send(thread=thread, sender=member, content="Hello")
    messaging.message_send(thread=thread, sender=peer, content="Hi Mona")
    notification = member.notifications.order_by("pk").first()
    return {
        "member": member,
        "peer": peer,
        "staff": staff,
        "headers": {
            "member": {"Authorization": bearer(member)},
            "staff": {"Authorization": bearer(staff)},
        },
        "ids": {
            "offers": offer.pk,
            "gigs": offer.pk,
            "skills": offer.pk,
            "user-skills": user_skill.pk,
            "availability": slot.pk,
            "user-availability": slot.pk,
            "swaps": pending.pk,
            "meetings": pending.pk,
            "sessions": pending.pk,
            "orders": pending.pk,
            "video-calls": call.pk,
            "messages": thread.pk,
            "rooms": thread.pk,
            "message_id": message.pk,
            "notifications": notification.pk if notification else 1,
            "users": peer.pk,
            "matches": 1,
        },
    }


def real_path_parameters(path: str, generated: dict[str, Any], ids: dict[str, Any]) -> dict:
    """Point a path's parameters at the world's objects, so bodies reach the code behind them."""
    segments = [part for part in path.split("/") if part]
    chosen = dict(generated)
    for index, part in enumerate(segments):
        if not (part.startswith("{") and part.endswith("}")):
            continue
        name = part[1:-1]
        resource = segments[index - 1] if index else ""
        if name in ids:
            chosen[name] = ids[name]
        elif resource in ids:
            chosen[name] = ids[resource]
    return chosen


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Serve schemathesis' WSGI calls inside the test's transaction, as Django's test client does.

    The WSGI handler closes the database connection when a request finishes; under pytest-django
    that connection holds the test transaction.
    """
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
