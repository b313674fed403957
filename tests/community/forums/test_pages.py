"""Public forum pages: the index, a category's threads, a thread with nested replies and its forms
(no JavaScript needed), Arabic pages, sanitised output, query counts that do not grow."""

from __future__ import annotations

import pytest

from community.forums import services
from community.forums.models import Post, Thread
from tests.community.forums.factories import (
    arabic_of,
    category,
    forum_index,
    moderator,
    newcomer,
    reply,
    thread,
    veteran,
)

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3))"


def test_index_lists_categories_with_counts(client):
    general = category()
    thread(in_category=general)

    response = client.get("/en/forums/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "General" in html
    assert "1 thread" in html


def test_category_page_lists_threads_pinned_first_and_searches(client):
    general = category()
    thread(in_category=general, title="Alpha question")
    pinned = thread(in_category=general, title="Read me first")
    services.thread_pin(thread=pinned, actor=moderator())

    listed = client.get("/en/forums/general/")
    searched = client.get("/en/forums/general/", {"q": "alpha"})

    html = listed.content.decode()
    assert html.index("Read me first") < html.index("Alpha question")
    assert "Alpha question" in searched.content.decode()
    assert "Read me first" not in searched.content.decode()


def test_category_page_query_count_does_not_grow(client, django_assert_max_num_queries):
    general = category()
    thread(in_category=general)
    with django_assert_max_num_queries(40) as few:
        client.get("/en/forums/general/")
    author = veteran()
    for index in range(6):
        thread(in_category=general, author=author, title=f"Thread {index}")

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/en/forums/general/")

    assert response.content.decode().count('class="card forum-thread-row"') == 7


def test_thread_page_query_count_does_not_grow(client, django_assert_max_num_queries):
    started = thread()
    reply(started)
    with django_assert_max_num_queries(40) as few:
        client.get(f"/en/forums/general/t/{started.pk}/")
    author = veteran()
    top = reply(started, author=author)
    for _ in range(4):
        reply(started, author=author, parent=top)
        reply(started, author=author)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/en/forums/general/t/{started.pk}/")

    assert response.content.decode().count('class="forum-post') == 10


def test_thread_page_nests_replies_and_never_renders_attacks(client):
    # given a thread and replies full of attempts
    started = thread(body=XSS)
    top = reply(started, body=XSS)
    reply(started, parent=top, body="nested **reply**")

    # when the page is read
    response = client.get(f"/en/forums/general/t/{started.pk}/")

    # then the nested reply sits in a replies list and nothing executable survives
    html = response.content.decode()
    assert response.status_code == 200
    assert '<ol class="plain forum-replies">' in html
    assert "<strong>reply</strong>" in html
    body = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    assert "<script>" not in body
    assert "<img" not in body
    assert 'href="javascript:' not in body
    assert "&lt;script&gt;" in body


def test_reply_form_works_without_javascript(client):
    # given a thread and a signed-in member
    started = thread()
    member = veteran()
    top = reply(started)
    client.force_login(member)

    # when the member posts a reply to a reply with the plain form
    response = client.post(
        f"/en/forums/general/t/{started.pk}/", {"body": "Plain form reply", "parent_id": top.pk}
    )

    # then they are sent back to their post, which hangs under the reply
    post = Post.objects.get(body="Plain form reply")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/en/forums/general/t/{started.pk}/#post-{post.pk}")
    assert (post.parent_id, post.author_id) == (top.pk, member.pk)


def test_anonymous_reply_goes_to_sign_in_and_writes_nothing(client):
    started = thread()

    response = client.post(f"/en/forums/general/t/{started.pk}/", {"body": "hi"})

    assert response.status_code == 302
    assert "login" in response["Location"]
    assert Post.objects.count() == 0


def test_new_thread_form_publishes_or_waits(client):
    # given a category, a veteran and a newcomer
    category()
    old, new = veteran(), newcomer()

    # when each posts the new-thread form
    client.force_login(old)
    published = client.post("/en/forums/general/new/", {"title": "Old hand", "body": "Hi"})
    client.force_login(new)
    waiting = client.post("/en/forums/general/new/", {"title": "Newbie", "body": "Hi"})

    # then both land on their thread; only the veteran's is live; the newcomer sees theirs
    assert published.status_code == waiting.status_code == 302
    assert Thread.objects.get(title="Old hand").live is True
    newbie = Thread.objects.get(title="Newbie")
    assert newbie.live is False
    page = client.get(waiting["Location"])
    assert page.status_code == 200
    assert "Awaiting approval" in page.content.decode()
    client.logout()
    assert client.get(waiting["Location"]).status_code == 404


def test_edit_and_delete_own_post_from_the_page(client):
    started = thread()
    post = reply(started, body="typo")
    client.force_login(post.author)
    base = f"/en/forums/general/t/{started.pk}/p/{post.pk}"

    assert client.get(f"{base}/edit/").status_code == 200
    client.post(f"{base}/edit/", {"body": "fixed"})
    assert Post.objects.get(pk=post.pk).body == "fixed"
    client.post(f"{base}/delete/")
    post.refresh_from_db()
    assert (post.deleted, post.body) == (True, "")
    assert (
        "This post was deleted."
        in client.get(f"/en/forums/general/t/{started.pk}/").content.decode()
    )


def test_another_member_cannot_open_the_edit_page(client):
    started = thread()
    post = reply(started, body="mine")
    client.force_login(veteran())

    response = client.get(f"/en/forums/general/t/{started.pk}/p/{post.pk}/edit/")

    assert response.status_code == 404


def test_arabic_thread_page_is_rtl_and_shares_the_thread(client):
    # given a thread written from the English page
    general = category()
    started = thread(in_category=general, title="Shared thread")
    forum_index("ar")

    # when the Arabic category page's thread route is read
    ar = arabic_of(general)
    response = client.get(f"{ar.url}t/{started.pk}/")

    # then the page is right-to-left and shows the same thread
    html = response.content.decode()
    assert response.status_code == 200
    assert 'dir="rtl"' in html
    assert "Shared thread" in html
    assert "عام" in html


def test_stable_thread_and_post_addresses_redirect_to_the_page(client):
    started = thread()
    post = reply(started)

    to_thread = client.get(f"/ar/forums/threads/{started.pk}/")
    to_post = client.get(f"/en/forums/posts/{post.pk}/")

    assert to_thread.status_code == 302
    assert to_thread["Location"].startswith("/ar/")
    assert to_thread["Location"].endswith(f"/t/{started.pk}/")
    assert to_post["Location"] == f"/en/forums/general/t/{started.pk}/#post-{post.pk}"


def test_report_link_on_others_posts(client):
    started = thread()
    post = reply(started)
    client.force_login(veteran())

    html = client.get(f"/en/forums/general/t/{started.pk}/").content.decode()

    assert f"?target=post:{post.pk}" in html
