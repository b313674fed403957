"""Editors in the Wagtail admin, as a new editor works: write an English page, translate it to
Arabic, edit the Arabic copy right to left, preview it, publish it; nothing about users, swaps,
reports or settings."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from wagtail.models import GroupCollectionPermission, GroupPagePermission, Locale, Page
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from cms.models import HomePage, StandardPage
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    user = UserFactory(email="layla@example.test")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def _home(code: str) -> HomePage:
    return HomePage.objects.get(locale=Locale.objects.get(language_code=code))


def _page_form(title: str, slug: str, intro: str, text: str, action: str | None = None) -> dict:
    data = nested_form_data(
        {
            "title": title,
            "slug": slug,
            "intro": intro,
            "body": streamfield([("text", {"heading": "", "text": rich_text(text)})]),
            "seo_title": "",
            "search_description": "",
        }
    )
    if action:
        data[action] = "1"
    return data


def test_the_editors_group_holds_exactly_what_editors_need():
    group = Group.objects.get(name="Editors")

    model_permissions = sorted(
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()
    )
    page_permissions = sorted(
        (gpp.page.locale.language_code, gpp.permission.codename)
        for gpp in GroupPagePermission.objects.filter(group=group)
    )
    collection_permissions = sorted(
        (gcp.collection.depth, gcp.permission.codename)
        for gcp in GroupCollectionPermission.objects.filter(group=group)
    )

    assert model_permissions == [
        "simple_translation.submit_translation",
        "wagtailadmin.access_admin",
    ]
    assert page_permissions == [
        ("ar", "add_page"),
        ("ar", "change_page"),
        ("ar", "publish_page"),
        ("en", "add_page"),
        ("en", "change_page"),
        ("en", "publish_page"),
    ]
    assert {page.pk for page in Page.objects.filter(group_permissions__group=group)} == {
        _home("en").pk,
        _home("ar").pk,
    }
    assert collection_permissions == [
        (1, "add_document"),
        (1, "add_image"),
        (1, "change_document"),
        (1, "change_image"),
        (1, "choose_document"),
        (1, "choose_image"),
    ]


def test_an_editor_writes_translates_previews_and_publishes_a_page(editor_client, client):
    # given: the English home page
    home_en = _home("en")
    arabic = Locale.objects.get(language_code="ar")

    # when: the editor writes an English standard page and publishes it
    response = editor_client.post(
        f"/admin/pages/add/cms/standardpage/{home_en.pk}/",
        _page_form(
            "Community guidelines",
            "guidelines",
            "How we swap skills",
            "Be kind and on time.",
            "action-publish",
        ),
    )

    # then
    assert response.status_code == 302
    english = StandardPage.objects.get(slug="guidelines")
    assert english.live is True
    assert english.locale.language_code == "en"

    # when: the editor translates it to Arabic
    response = editor_client.post(
        f"/admin/translation/submit/page/{english.pk}/", {"locales": [arabic.pk]}
    )

    # then: an Arabic draft copy, under the Arabic home page, not yet public
    assert response.status_code == 302
    copy = english.get_translation(arabic)
    assert response["Location"] == f"/admin/pages/{copy.pk}/edit/"
    assert copy.live is False
    assert copy.get_parent().pk == _home("ar").pk
    assert client.get("/ar/guidelines/").status_code == 404

    # when: the editor opens the Arabic copy
    response = editor_client.get(f"/admin/pages/{copy.pk}/edit/")

    # then: the editor marks its fields right to left
    html = response.content.decode()
    assert response.status_code == 200
    assert '<template id="content-language" data-lang="ar" data-dir="rtl"></template>' in html
    assert "js/wagtail_content_direction.js" in html

    # when: the editor writes the Arabic text and previews it
    arabic_form = _page_form(
        "إرشادات المجتمع", "guidelines", "كيف نتبادل المهارات", "كن لطيفًا وفي الموعد."
    )
    response = editor_client.post(f"/admin/pages/{copy.pk}/edit/preview/", arabic_form)
    assert response.status_code == 200
    assert response.json() == {"is_valid": True, "is_available": True}
    preview = editor_client.get(f"/admin/pages/{copy.pk}/edit/preview/")

    # then: the preview shows the Arabic text, right to left, while the page is still a draft
    preview_html = preview.content.decode()
    assert preview.status_code == 200
    assert "إرشادات المجتمع" in preview_html
    assert "كن لطيفًا وفي الموعد." in preview_html
    assert 'dir="rtl"' in preview_html
    copy.refresh_from_db()
    assert copy.live is False

    # when: the editor publishes it
    response = editor_client.post(
        f"/admin/pages/{copy.pk}/edit/", {**arabic_form, "action-publish": "1"}
    )

    # then: the public Arabic page shows the Arabic text; the English one is unchanged
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.live is True
    public = client.get("/ar/guidelines/")
    assert public.status_code == 200
    assert "إرشادات المجتمع" in public.content.decode()
    assert "كن لطيفًا وفي الموعد." in public.content.decode()
    english_public = client.get("/en/guidelines/").content.decode()
    assert "Community guidelines" in english_public
    assert "إرشادات المجتمع" not in english_public


def test_the_english_editor_carries_the_ltr_marker(editor_client):
    # given
    home_en = _home("en")

    # when
    response = editor_client.get(f"/admin/pages/add/cms/standardpage/{home_en.pk}/")

    # then
    assert response.status_code == 200
    assert (
        '<template id="content-language" data-lang="en" data-dir="ltr"></template>'
        in response.content.decode()
    )


def test_an_editor_may_not_add_pages_outside_the_home_pages(editor_client):
    # given
    root = Page.get_first_root_node()
    before = Page.objects.count()

    # when
    response = editor_client.get(f"/admin/pages/add/cms/homepage/{root.pk}/")

    # then
    assert response.status_code in {302, 403}
    assert Page.objects.count() == before


@pytest.mark.parametrize(
    "path",
    [
        "/admin/users/",
        "/admin/groups/",
        "/admin/message_reports/",
        "/admin/swaps/",
        "/admin/video_calls/",
        "/admin/ledger_accounts/",
        "/admin/ledger_entries/",
        "/admin/marketplace_offers/",
        "/admin/marketplace_offer_queue/",
        "/admin/sites/",
        "/admin/locales/",
        "/admin/workflows/list/",
        "/admin/redirects/",
    ],
)
def test_an_editor_cannot_open_users_swaps_reports_or_settings(editor_client, path):
    # when
    response = editor_client.get(path)

    # then: Wagtail refuses with a redirect to the dashboard (and a "permission denied" message)
    assert response.status_code in {302, 403}
    if response.status_code == 302:
        assert response["Location"] == "/admin/"


@pytest.mark.parametrize("path", ["/admin/images/", "/admin/documents/", "/admin/pages/"])
def test_an_editor_opens_images_documents_and_pages(editor_client, path):
    response = editor_client.get(path)

    assert response.status_code == 200


def test_the_demo_editor_is_an_editor():
    from accounts.demo import STAFF

    editor = next(row for row in STAFF if row[0] == "editor")

    assert editor[5] == ["Editors"]
