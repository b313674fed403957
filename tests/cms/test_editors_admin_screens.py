"""The moderators' and editors' admin screens: titled as what they are, every column translated
into Arabic, and nothing fetched from outside (no gravatar)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import translation

from accounts.roles import Role
from messaging import services as messaging_services
from tests.accounts.factories import UserFactory, user_with_role
from tests.exchanges.factories import OfferFactory, SwapFactory
from tests.marketplace.factories import SkillFactory
from tests.messaging.factories import pair_thread, send
from tests.rewards.factories import funded_user

pytestmark = pytest.mark.django_db

LISTINGS = [
    "/admin/users/",
    "/admin/message_reports/",
    "/admin/marketplace_offer_queue/",
    "/admin/marketplace_offers/",
    "/admin/marketplace_categories/",
    "/admin/marketplace_skills/",
    "/admin/swaps/",
    "/admin/ledger_accounts/",
    "/admin/ledger_transfers/",
    "/admin/ledger_entries/",
]


@pytest.fixture
def admin_data():
    member = funded_user(50)
    other = UserFactory()
    OfferFactory(owner=member)
    SkillFactory()
    SwapFactory(requester=member, responder=other)
    message = send(pair_thread(member, other), member, "hello")
    messaging_services.message_report(message=message, reporter=other, reason="spam")
    return member


def _arabic_msgids() -> dict[str, str]:
    """Our Arabic catalogue plus the helpers' pending translations (merged by the lead)."""
    catalogue = polib.pofile(str(Path(settings.BASE_DIR) / "locale/ar/LC_MESSAGES/django.po"))
    msgids = {entry.msgid: entry.msgstr for entry in catalogue if entry.msgstr}
    for pending in (Path(settings.BASE_DIR) / "locale/pending").glob("*.json"):
        msgids.update(json.loads(pending.read_text(encoding="utf-8")))
    return msgids


def _is_translated(label: str, msgids: dict[str, str]) -> bool:
    # django-modeltranslation labels its fields "<verbose name> [en]" from the translated name.
    label = re.sub(r" \[[a-z]{2}\]$", "", label)
    if label in msgids or label.lower() in msgids:
        return True
    # Wagtail's and Django's own strings ("Name", "Last login"), and model verbose names
    # ("created at" shown capitalised).
    with translation.override("ar"):
        return translation.gettext(label) != label or translation.gettext(label.lower()) != (
            label.lower()
        )


def _headers(html: str) -> list[str]:
    main = html[html.find("<main") :]
    cells = re.findall(r"<th[^>]*>(.*?)</th>", main, re.S)
    texts = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]
    return [text for text in texts if text]


def test_every_column_of_the_moderators_screens_has_an_arabic_translation(client, admin_data):
    # given
    client.force_login(user_with_role(Role.ADMIN, is_superuser=True))
    msgids = _arabic_msgids()

    # when
    headers = {url: _headers(client.get(url).content.decode()) for url in LISTINGS}

    # then
    assert [url for url, labels in headers.items() if not labels] == []
    untranslated = {
        url: [label for label in labels if not _is_translated(label, msgids)]
        for url, labels in headers.items()
    }
    assert {url: labels for url, labels in untranslated.items() if labels} == {}


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("/admin/marketplace_offer_queue/", "Moderation queue"),
        ("/admin/marketplace_skill_suggestions/", "Skill suggestions"),
        ("/admin/message_reports/", "Reported messages"),
    ],
)
def test_each_queue_is_titled_as_what_it_is(client, url, title):
    client.force_login(user_with_role(Role.MODERATOR))

    response = client.get(url)

    assert response.status_code == 200
    assert re.search(rf"<h1[^>]*>\s*(<[^>]+>\s*)*{title}", response.content.decode())


def _editor():
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: user_with_role(Role.ADMIN, is_superuser=True),
        lambda: user_with_role(Role.MODERATOR),
        _editor,
    ],
)
def test_no_admin_page_calls_gravatar(client, admin_data, make_user):
    # given
    user = make_user()
    client.force_login(user)
    pages = [
        "/admin/",
        "/admin/pages/",
        "/admin/images/",
        "/admin/account/",
        *LISTINGS,
        f"/admin/users/inspect/{admin_data.pk}/",
        f"/admin/users/edit/{admin_data.pk}/",
    ]

    # when
    bodies = {url: client.get(url) for url in pages}

    # then
    assert settings.WAGTAIL_GRAVATAR_PROVIDER_URL is None
    assert bodies["/admin/"].status_code == 200
    assert [
        url for url, response in bodies.items() if b"gravatar" in response.content.lower()
    ] == []
