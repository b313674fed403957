"""Seeds 000 and 001, section F: the forum client, played with the documents' exact paths.

``GET /api/v1/forums/`` (categories and threads with post counts and last update),
``POST /api/v1/forums/`` (a title and the initial post), ``GET /api/v1/forums/<thread_id>/``
(the discussion with nested replies). Neither document names the body's fields: "the thread
title and initial post" is served as ``title`` with ``initial_post`` (or ``content``, or the
canonical ``body``), and the category may be left out (the first category). docs/api.md, "Forums".
"""

from __future__ import annotations

import pytest

from community.forums.models import Post, Thread
from tests.community.forums.factories import category, reply, thread, veteran
from tests.seeds.helpers import body, error_fields, items, snapshot, url

pytestmark = pytest.mark.django_db


def test_seed_000_lists_forum_categories_and_topics(client_for):
    # given a category with a thread that has a reply
    general = category()
    started = thread(in_category=general, title="Welcome")
    reply(started)

    # when the seed's client lists the forums
    response = client_for(None).get(url("forums/"))

    # then it gets the categories with counts and the threads with reply counts and last update
    assert response.status_code == 200
    data = body(response)
    assert [(c["title"], c["thread_count"]) for c in data["categories"]] == [("General", 1)]
    (row,) = items(response)
    assert (row["id"], row["title"], row["reply_count"]) == (started.pk, "Welcome", 1)
    assert row["last_activity_at"] is not None


@pytest.mark.parametrize("body_name", ["initial_post", "content", "body"])
def test_seed_001_creates_a_thread_with_a_title_and_initial_post(client_for, body_name):
    # given a member past the new-member thresholds and one category
    author = veteran()
    general = category()

    # when the seed's client posts a title and the initial post
    response = client_for(author).post(
        url("forums/"), {"title": "Learning Arabic", body_name: "Where do I start?"}, format="json"
    )

    # then the thread is created for the author, in the first category
    assert response.status_code == 201
    data = body(response)
    assert (data["title"], data["body"], data["status"]) == (
        "Learning Arabic",
        "Where do I start?",
        "published",
    )
    thread_row = Thread.objects.get(pk=data["id"])
    assert (thread_row.author_id, thread_row.category_id) == (author.pk, general.pk)


def test_seed_001_retrieves_the_discussion_with_nested_replies(client_for):
    # given a thread with a reply and a reply to it
    started = thread()
    top = reply(started, body="Start with the alphabet.")
    reply(started, parent=top, body="Thanks!")

    # when the seed's client reads the thread without a trailing slash and with one
    bare = client_for(None).get(url(f"forums/{started.pk}"))
    slashed = client_for(None).get(url(f"forums/{started.pk}/"))

    # then both answer with the posts nested
    assert bare.status_code == slashed.status_code == 200
    (first,) = body(slashed)["posts"]["results"]
    assert first["body"] == "Start with the alphabet."
    assert [r["body"] for r in first["replies"]] == ["Thanks!"]


def test_a_misspelt_field_is_refused_and_creates_nothing(client_for):
    author = veteran()
    category()
    before = snapshot(Thread, Post)

    response = client_for(author).post(
        url("forums/"), {"title": "Hi", "initial_posts": "typo"}, format="json"
    )

    assert response.status_code == 400
    assert error_fields(response) == {"initial_posts": ["This field is not known."]}
    assert snapshot(Thread, Post) == before
