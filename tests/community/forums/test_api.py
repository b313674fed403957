"""The forums API: list and create, thread with nested replies, replies, edits, moderator actions,
visibility of pending and hidden threads, Arabic errors, sanitised HTML, query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone, translation
from rest_framework.test import APIClient

from community.forums import services
from community.forums.models import Post, Thread, ThreadSubscription
from tests.community.forums.factories import (
    arabic_of,
    category,
    moderator,
    newcomer,
    reply,
    thread,
    veteran,
)
from tests.conftest import bearer

pytestmark = pytest.mark.django_db

XSS = (
    "<script>alert(1)</script> <img src=x onerror=alert(2)> "
    '[click](javascript:alert(3)) <a href="javascript:alert(4)">x</a>'
)


def in_arabic(msgid: str, **values) -> str:
    """The catalogue's Arabic for ``msgid`` (locale/pending/h1.json until the lead merges it)."""
    with translation.override("ar"):
        text = translation.gettext(msgid)
    return text % values if values else text


def client(user=None, language: str = "en") -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        api.credentials(HTTP_AUTHORIZATION=bearer(user))
    return api


def assert_safe(html: str) -> None:
    """No script element, no image, no event handler inside a tag, no javascript: link (the
    attempts may survive as escaped text, which is harmless)."""
    lowered = html.lower()
    assert "<script" not in lowered
    assert "<img" not in lowered
    assert re.search(r"<[^>]*\son\w+\s*=", lowered) is None
    assert re.search(r"<[^>]*href\s*=\s*[\"']?\s*javascript:", lowered) is None


def test_list_gives_categories_with_counts_and_the_threads_anonymously():
    # given two categories, one with two published threads and a pending one
    general = category()
    category("Languages", "languages", arabic="لغات")
    older = thread(in_category=general, title="Older")
    newer = thread(in_category=general, title="Newer")
    thread(in_category=general, author=newcomer(), title="Pending")

    # when an anonymous visitor lists the forums
    response = client().get("/api/v1/forums/")

    # then the categories carry counts of published threads and the visible threads come newest
    assert response.status_code == 200
    body = response.json()
    counts = {c["slug"]: c["thread_count"] for c in body["categories"]}
    assert counts == {"general": 2, "languages": 0}
    assert [t["id"] for t in body["results"]] == [newer.pk, older.pk]
    assert body["count"] == 2
    assert body["results"][0]["category"] == {
        "id": general.pk,
        "title": "General",
        "slug": "general",
    }


def test_list_in_arabic_names_arabic_categories_and_shares_threads():
    # given a thread in a category that exists in both languages
    general = category()
    started = thread(in_category=general)

    # when listed in Arabic, filtered by the Arabic page's id
    ar = arabic_of(general)
    response = client(language="ar").get("/api/v1/forums/", {"category": ar.pk})

    # then the Arabic category is named and the English-written thread is there
    body = response.json()
    assert [c["title"] for c in body["categories"]] == ["عام"]
    assert body["categories"][0]["thread_count"] == 1
    assert [t["id"] for t in body["results"]] == [started.pk]
    assert body["results"][0]["category"]["id"] == ar.pk


def test_search_normalises_arabic():
    # given a thread written with a definite article and hamza
    general = category()
    match = thread(in_category=general, title="أساسيات البرمجة", body="نص")
    thread(in_category=general, title="Cooking", body="pasta")

    # when searching the bare word without the article
    response = client().get("/api/v1/forums/", {"search": "برمجه"})

    # then the Arabic thread is found
    assert [t["id"] for t in response.json()["results"]] == [match.pk]


def test_ordering_by_replies_keeps_pinned_first():
    # given a pinned quiet thread and a busy one
    general = category()
    quiet = thread(in_category=general, title="Quiet")
    busy = thread(in_category=general, title="Busy")
    reply(busy)
    reply(busy)
    services.thread_pin(thread=quiet, actor=moderator())

    # when ordered by replies
    response = client().get("/api/v1/forums/", {"ordering": "-replies"})

    # then the pinned thread comes first
    assert [t["id"] for t in response.json()["results"]] == [quiet.pk, busy.pk]


def test_an_unknown_ordering_is_a_400():
    response = client().get("/api/v1/forums/", {"ordering": "title"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert list(response.json()["error"]["fields"]) == ["ordering"]


def test_list_query_count_does_not_grow_with_threads(django_assert_max_num_queries):
    # given a category with a thread, then with many
    general = category()
    thread(in_category=general)
    with django_assert_max_num_queries(12) as few:
        client().get("/api/v1/forums/")
    author = veteran()
    for index in range(8):
        thread(in_category=general, author=author, title=f"Thread {index}")

    # when listed again
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client().get("/api/v1/forums/")

    # then the same number of queries served nine threads
    assert response.json()["count"] == 9


def test_a_member_opens_a_thread_with_seed_field_names():
    # given a veteran and a category
    author = veteran()
    general = category()

    # when they post seed 001's body (title and initial post) with the category id alias
    response = client(author).post(
        "/api/v1/forums/",
        {"title": "Hello", "initial_post": "First **post**", "category_id": general.pk},
        format="json",
    )

    # then the thread is published with the body rendered
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["title"], body["body"]) == ("published", "Hello", "First **post**")
    assert body["body_html"] == "<p>First <strong>post</strong></p>\n"


def test_a_new_members_thread_is_pending_visible_to_them_and_404_to_others():
    # given a new member
    author = newcomer()
    category()

    # when they open a thread (seed 000's "content" name, no category: the first one)
    response = client(author).post(
        "/api/v1/forums/", {"title": "Hi", "content": "Hello all"}, format="json"
    )

    # then it is pending; they see it; another member and a visitor get a 404
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    thread_id = response.json()["id"]
    assert client(author).get(f"/api/v1/forums/{thread_id}/").status_code == 200
    assert client(veteran()).get(f"/api/v1/forums/{thread_id}/").status_code == 404
    assert client().get(f"/api/v1/forums/{thread_id}/").status_code == 404
    assert client(moderator()).get(f"/api/v1/forums/{thread_id}/").status_code == 200


def test_two_names_for_the_body_are_a_400_and_create_nothing():
    author = veteran()
    category()

    response = client(author).post(
        "/api/v1/forums/", {"title": "Hi", "body": "a", "content": "b"}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"body", "content"}
    assert Thread.objects.count() == 0


def test_an_unknown_field_is_a_400_in_arabic():
    author = veteran()
    category()

    response = client(author, "ar").post(
        "/api/v1/forums/", {"title": "Hi", "body": "a", "colour": "red"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"colour": ["هذا الحقل غير معروف."]}
    assert Thread.objects.count() == 0


def test_sanitised_html_in_the_api():
    # given a thread and a reply full of attempts
    author = veteran()
    category()
    created = client(author).post("/api/v1/forums/", {"title": "XSS", "body": XSS}, format="json")
    thread_id = created.json()["id"]
    replied = client(author).post(
        f"/api/v1/forums/{thread_id}/replies", {"body": XSS}, format="json"
    )

    # then neither body_html carries a script, a handler or a javascript: link
    assert created.status_code == replied.status_code == 201
    assert_safe(created.json()["body_html"])
    assert_safe(replied.json()["body_html"])
    detail = client().get(f"/api/v1/forums/{thread_id}/").json()
    assert_safe(detail["body_html"])
    assert_safe(detail["posts"]["results"][0]["body_html"])


def test_thread_detail_nests_replies_and_pages_top_level_posts(django_assert_max_num_queries):
    # given a thread with two top-level replies, one with a nested chain
    started = thread()
    first = reply(started, body="first")
    child = reply(started, parent=first, body="child")
    reply(started, parent=child, body="grandchild")
    second = reply(started, body="second")

    # when read one top-level post a page
    with django_assert_max_num_queries(14):
        response = client().get(f"/api/v1/forums/{started.pk}/", {"page_size": 1})

    # then the first page has the first post with its nested replies, and a next page
    body = response.json()
    assert body["reply_count"] == 4
    posts = body["posts"]
    assert posts["count"] == 2
    assert posts["next"] is not None
    (top,) = posts["results"]
    assert top["id"] == first.pk
    assert [r["body"] for r in top["replies"]] == ["child"]
    assert [r["body"] for r in top["replies"][0]["replies"]] == ["grandchild"]
    page2 = client().get(f"/api/v1/forums/{started.pk}/", {"page_size": 1, "page": 2}).json()
    assert [p["id"] for p in page2["posts"]["results"]] == [second.pk]


def test_reply_to_a_post_of_another_thread_is_a_400():
    started = thread()
    elsewhere = reply(thread())
    member = veteran()

    response = client(member).post(
        f"/api/v1/forums/{started.pk}/replies",
        {"body": "hi", "parent_id": elsewhere.pk},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["parent_id"]
    assert Post.objects.filter(thread=started).count() == 0


def test_locked_thread_refuses_replies_with_409_in_arabic():
    # given a locked thread
    started = thread()
    services.thread_lock(thread=started, actor=moderator())

    # when a member replies in Arabic
    response = client(veteran(), "ar").post(
        f"/api/v1/forums/{started.pk}/replies", {"body": "hi"}, format="json"
    )

    # then 409 thread_locked, in Arabic, nothing written
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "thread_locked"
    assert error["message"] == in_arabic("This thread is locked.")
    assert Post.objects.count() == 0


def test_author_edits_and_deletes_own_post_and_others_cannot():
    # given a reply
    post = reply(thread(), body="mine")
    other = veteran()

    # when someone else patches it, then 403 and unchanged
    refused = client(other).patch(
        f"/api/v1/forums/posts/{post.pk}", {"body": "theirs"}, format="json"
    )
    assert refused.status_code == 403
    assert Post.objects.get(pk=post.pk).body == "mine"

    # when the author edits, then deletes it
    edited = client(post.author).patch(
        f"/api/v1/forums/posts/{post.pk}", {"content": "edited"}, format="json"
    )
    deleted = client(post.author).delete(f"/api/v1/forums/posts/{post.pk}")

    # then it was edited, and the tombstone keeps the row with a blank body
    assert edited.status_code == 200
    assert edited.json()["body"] == "edited"
    assert deleted.status_code == 200
    assert (deleted.json()["deleted"], deleted.json()["body"]) == (True, "")
    assert Post.objects.filter(pk=post.pk, deleted=True, body="").exists()


def test_edit_after_the_window_is_a_409_in_arabic(settings):
    settings.FORUM_EDIT_WINDOW_MINUTES = 5
    post = reply(thread(), body="mine")
    Post.objects.filter(pk=post.pk).update(created_at=timezone.now() - dt.timedelta(minutes=6))

    response = client(post.author, "ar").patch(
        f"/api/v1/forums/posts/{post.pk}", {"body": "late"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "edit_window_closed"
    assert response.json()["error"]["message"] == in_arabic(
        "Posts can only be changed for %(minutes)s minutes after they are written.", minutes=5
    )
    assert Post.objects.get(pk=post.pk).body == "mine"


def test_moderator_pins_locks_and_moves_members_cannot():
    # given a thread and another category
    started = thread()
    other = category("Languages", "languages", arabic="لغات")
    staff = moderator()

    # when a member tries, then 403 and nothing changed
    member = client(started.author)
    assert member.post(f"/api/v1/forums/{started.pk}/pin").status_code == 403
    assert member.post(f"/api/v1/forums/{started.pk}/move", {}, format="json").status_code == 403
    started.refresh_from_db()
    assert (started.pinned, started.category_id) == (False, started.category_id)

    # when a moderator pins, locks and moves it
    api = client(staff)
    assert api.post(f"/api/v1/forums/{started.pk}/pin").json()["pinned"] is True
    assert api.post(f"/api/v1/forums/{started.pk}/lock").json()["locked"] is True
    moved = api.post(f"/api/v1/forums/{started.pk}/move", {"category": other.pk}, format="json")

    # then all three hold
    assert moved.status_code == 200
    assert moved.json()["category"]["id"] == other.pk
    assert api.post(f"/api/v1/forums/{started.pk}/unlock").json()["locked"] is False


def test_subscribe_and_unsubscribe():
    started = thread()
    member = veteran()
    api = client(member)

    assert api.post(f"/api/v1/forums/{started.pk}/subscribe").json() == {
        "thread_id": started.pk,
        "is_subscribed": True,
    }
    assert ThreadSubscription.objects.filter(thread=started, user=member).exists()
    assert api.get(f"/api/v1/forums/{started.pk}/").json()["is_subscribed"] is True
    assert api.post(f"/api/v1/forums/{started.pk}/unsubscribe").json()["is_subscribed"] is False
    assert not ThreadSubscription.objects.filter(thread=started, user=member).exists()


def test_the_author_marks_the_answer():
    started = thread()
    answer = reply(started)

    refused = client(answer.author).post(
        f"/api/v1/forums/{started.pk}/answer", {"post_id": answer.pk}, format="json"
    )
    marked = client(started.author).post(
        f"/api/v1/forums/{started.pk}/answer", {"post_id": answer.pk}, format="json"
    )

    assert refused.status_code == 403
    assert marked.status_code == 200
    assert marked.json()["answer_id"] == answer.pk
    detail = client().get(f"/api/v1/forums/{started.pk}/").json()
    assert detail["posts"]["results"][0]["is_answer"] is True


def test_hidden_thread_is_404_to_everybody_but_staff():
    started = thread()
    services.thread_hide(thread=started, actor=moderator(), reason="spam")

    assert client().get(f"/api/v1/forums/{started.pk}/").status_code == 404
    assert client(started.author).get(f"/api/v1/forums/{started.pk}/").status_code == 404
    assert client(moderator()).get(f"/api/v1/forums/{started.pk}/").status_code == 200
    assert client().get("/api/v1/forums/").json()["count"] == 0
