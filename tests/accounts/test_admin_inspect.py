"""The user inspect page, as a moderator reads it: words, not Python values, and the member's
history (swaps, reports, ledger entries)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group

from accounts.roles import Role
from messaging import services as messaging_services
from tests.accounts.factories import UserFactory, user_with_role
from tests.exchanges.factories import SwapFactory
from tests.messaging.factories import pair_thread, send
from tests.rewards.factories import funded_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_client(client):
    client.force_login(user_with_role(Role.MODERATOR))
    return client


def _dd_after(html: str, label: str) -> str:
    match = re.search(rf"<dt>{re.escape(label)}</dt>\s*<dd>\s*(.*?)\s*</dd>", html, re.S)
    assert match, label
    return match.group(1)


def test_the_inspect_page_shows_profile_values_in_words(moderator_client):
    # given
    member = UserFactory(
        languages=["ar", "en"],
        language="ar",
        interests={"interests": ["music", "guitar"], "communication_style": "friendly"},
    )

    # when
    response = moderator_client.get(f"/admin/users/inspect/{member.pk}/")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert _dd_after(html, "Languages spoken") == "Arabic, English"
    assert _dd_after(html, "Preferred language") in {"Arabic"}
    assert _dd_after(html, "Interests") == "music, guitar"
    assert _dd_after(html, "Communication style") == "Friendly"
    assert _dd_after(html, "Role") == "Member"
    assert _dd_after(html, "Status") == "Active"
    assert "[&#x27;" not in html
    assert "{&#x27;" not in html
    assert "['ar'" not in html
    assert "{'interests'" not in html


def test_the_inspect_page_shows_the_members_history(moderator_client):
    # given: a member with a swap, a message someone reported, and ledger entries
    member = funded_user(40)
    other = UserFactory(display_name="Karim")
    SwapFactory(requester=member, responder=other, title="Guitar basics")
    message = send(pair_thread(member, other), member, "Buy my course elsewhere")
    messaging_services.message_report(message=message, reporter=other, reason="spam")

    # when
    response = moderator_client.get(f"/admin/users/inspect/{member.pk}/")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Guitar basics" in html
    assert "Karim" in html
    assert "Buy my course elsewhere" in html
    assert "Reports about their messages" in html
    assert "Reports they made" in html
    assert "Ledger entries" in html
    assert re.search(r"<td>\s*<a href=\"/admin/swaps/inspect/\d+/\">Guitar basics</a>", html)
    assert "/admin/message_reports/edit/" in html
    assert "/admin/ledger_entries/inspect/" in html


def test_the_inspect_page_query_count_does_not_grow_with_history(
    moderator_client, django_assert_max_num_queries
):
    # given
    member = funded_user(40)
    for _ in range(12):
        SwapFactory(requester=member)
    url = f"/admin/users/inspect/{member.pk}/"
    moderator_client.get(url)

    # when / then: twelve swaps (ten shown) cost no more queries than a page with one
    with django_assert_max_num_queries(45):
        response = moderator_client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("/admin/swaps/inspect/") == 10


def test_an_editor_sees_no_user_inspect_page(client):
    # given
    editor = UserFactory()
    editor.groups.add(Group.objects.get(name="Editors"))
    member = UserFactory()
    client.force_login(editor)

    # when
    response = client.get(f"/admin/users/inspect/{member.pk}/")

    # then
    assert response.status_code in {302, 403}
