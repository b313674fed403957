"""Forum services: threads (published or pending), replies and counters, the edit window,
tombstones, moderation flags and the audit log, notifications."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone
from wagtail.models import ModelLogEntry, WorkflowState

from community.forums import services
from community.forums.models import ModerationStatus, Post, Thread, ThreadSubscription
from core.exceptions import Conflict, Forbidden, ValidationFailed
from messaging.models import Notification
from tests.community.forums.factories import (
    arabic_of,
    category,
    moderator,
    newcomer,
    reply,
    thread,
    veteran,
)

pytestmark = pytest.mark.django_db


def test_a_veterans_thread_is_published_and_its_author_subscribed():
    # given a member with a completed swap and an old account
    author = veteran()

    # when they open a thread
    created = thread(author=author, body="Hello <script>alert(1)</script> **world**")

    # then it is live, published, rendered safely and the author follows it
    assert created.live is True
    assert created.moderation_status == ModerationStatus.PUBLISHED
    assert created.body == "Hello <script>alert(1)</script> **world**"
    assert "<script>" not in created.body_html
    assert "<strong>world</strong>" in created.body_html
    assert list(ThreadSubscription.objects.values_list("user_id", flat=True)) == [author.pk]
    assert WorkflowState.objects.count() == 0


def test_a_new_members_thread_waits_in_the_forum_approval_workflow():
    # given a member who joined today
    author = newcomer()

    # when they open a thread
    created = thread(author=author)

    # then it is a draft, pending, in the "Forum approval" workflow's moderators' task
    assert created.live is False
    assert created.moderation_status == ModerationStatus.PENDING
    state = WorkflowState.objects.get()
    assert state.workflow.name == "Forum approval"
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.current_task_state.task.name == "Forum approval"
    assert created.workflow_in_progress is True


@override_settings(FORUM_NEW_MEMBER_MIN_SWAPS=0, FORUM_NEW_MEMBER_MIN_DAYS=0)
def test_thresholds_of_zero_make_nobody_new():
    # given no thresholds
    # when a member who joined today opens a thread
    created = thread(author=newcomer())

    # then it is published at once
    assert created.live is True


def test_an_old_account_without_swaps_is_still_new():
    # given an account of 90 days without a completed swap
    author = newcomer(date_joined=timezone.now() - dt.timedelta(days=90))

    # when it opens a thread, then the thread waits
    assert thread(author=author).moderation_status == ModerationStatus.PENDING


def test_a_thread_opened_in_arabic_belongs_to_the_english_source_category():
    # given a category in both languages
    english = category()

    # when a thread is opened from the Arabic page
    created = thread(in_category=arabic_of(english))

    # then it belongs to the English page (both pages list it)
    assert created.category_id == english.pk


def test_replies_count_and_notify_every_subscriber_but_the_replier(
    django_capture_on_commit_callbacks,
):
    # given a thread, its author and a follower
    started = thread()
    follower = veteran()
    services.thread_subscribe(thread=started, user=follower)
    replier = veteran()

    # when a third member replies
    with django_capture_on_commit_callbacks(execute=True):
        post = reply(started, author=replier, body="Try this")

    # then the counters move and the author and follower are notified, the replier not
    started.refresh_from_db()
    assert started.reply_count == 1
    assert started.last_activity_at == post.created_at
    notified = Notification.objects.filter(kind="forum_reply").order_by("recipient_id")
    assert [n.recipient_id for n in notified] == sorted([started.author_id, follower.pk])
    assert replier.pk not in [n.recipient_id for n in notified]
    first = notified.first()
    assert first.title == "New reply"
    assert first.body == f"{replier.public_name} replied to “{started.title}”."


def test_nested_replies_share_their_root():
    # given a thread with a reply
    started = thread()
    top = reply(started)

    # when someone answers the reply, and someone answers that
    child = reply(started, parent=top)
    grandchild = reply(started, parent=child)

    # then all three have the top-level post as root
    assert [top.root_id, child.root_id, grandchild.root_id] == [top.pk, top.pk, top.pk]


def test_a_locked_thread_refuses_replies_and_changes_nothing():
    # given a locked thread
    started = thread()
    services.thread_lock(thread=started, actor=moderator())

    # when a member replies
    with pytest.raises(Conflict) as refused:
        reply(started)

    # then 409 thread_locked and nothing was written
    assert refused.value.code == "thread_locked"
    assert Post.objects.count() == 0
    started.refresh_from_db()
    assert started.reply_count == 0


def test_a_pending_thread_refuses_replies():
    # given a thread awaiting approval
    pending = thread(author=newcomer())

    # when its author replies, then it is refused
    with pytest.raises(Conflict) as refused:
        reply(pending, author=pending.author)
    assert refused.value.code == "thread_not_open"


def test_an_author_edits_their_post_within_the_window():
    # given a reply
    post = reply(thread(), body="first")

    # when its author edits it
    services.post_update(post=post, actor=post.author, body="second <img src=x onerror=alert(1)>")

    # then the body changes, the HTML is safe, and edited_at is set
    post.refresh_from_db()
    assert post.body == "second <img src=x onerror=alert(1)>"
    assert "onerror" not in post.body_html.replace("onerror=alert", "") or "<img" not in (
        post.body_html
    )
    assert "<img" not in post.body_html
    assert post.edited_at is not None


@override_settings(FORUM_EDIT_WINDOW_MINUTES=5)
def test_the_edit_window_closes():
    # given a reply written ten minutes ago
    post = reply(thread(), body="first")
    Post.objects.filter(pk=post.pk).update(created_at=timezone.now() - dt.timedelta(minutes=10))
    post.refresh_from_db()

    # when its author edits or deletes it
    with pytest.raises(Conflict) as edit:
        services.post_update(post=post, actor=post.author, body="late")
    with pytest.raises(Conflict) as delete:
        services.post_delete(post=post, actor=post.author)

    # then both are refused and nothing changed
    assert edit.value.code == delete.value.code == "edit_window_closed"
    post.refresh_from_db()
    assert (post.body, post.deleted) == ("first", False)


def test_another_member_cannot_edit_a_post():
    # given someone's reply
    post = reply(thread(), body="mine")

    # when another member edits it, then it is forbidden and unchanged
    with pytest.raises(Forbidden):
        services.post_update(post=post, actor=veteran(), body="theirs")
    post.refresh_from_db()
    assert post.body == "mine"


def test_deleting_leaves_a_tombstone_and_keeps_the_replies():
    # given a reply with an answer under it
    started = thread()
    top = reply(started, body="top")
    child = reply(started, parent=top, body="child")

    # when the top reply's author deletes it
    services.post_delete(post=top, actor=top.author)

    # then the row stays, blank and deleted; the child stays under it; the count drops
    top.refresh_from_db()
    started.refresh_from_db()
    assert (top.body, top.body_html, top.deleted) == ("", "", True)
    assert Post.objects.get(pk=child.pk).parent_id == top.pk
    assert started.reply_count == 1
    assert ModelLogEntry.objects.filter(action=services.LOG_POST_DELETE).count() == 1


def test_moderators_pin_lock_and_move_with_audit_log():
    # given a thread and another category
    started = thread()
    other = category("Languages", "languages", arabic="لغات")
    staff = moderator()

    # when a moderator pins, locks and moves it
    services.thread_pin(thread=started, actor=staff)
    services.thread_lock(thread=started, actor=staff)
    services.thread_move(thread=started, actor=staff, category=arabic_of(other))

    # then the flags changed and each action is in the audit log with who did it
    started.refresh_from_db()
    assert (started.pinned, started.locked, started.category_id) == (True, True, other.pk)
    actions = list(
        ModelLogEntry.objects.filter(action__startswith="community_forums.")
        .order_by("id")
        .values_list("action", "user_id")
    )
    assert actions == [
        ("community_forums.pin", staff.pk),
        ("community_forums.lock", staff.pk),
        ("community_forums.move", staff.pk),
    ]


def test_a_member_cannot_pin():
    # given a thread
    started = thread()

    # when its author pins it, then it is forbidden and unchanged
    with pytest.raises(Forbidden):
        services.thread_pin(thread=started, actor=started.author)
    started.refresh_from_db()
    assert started.pinned is False


def test_only_the_author_marks_the_answer():
    # given a thread with a reply
    started = thread()
    answer = reply(started)

    # when someone else marks it, then forbidden; when the author does, it is the answer
    with pytest.raises(Forbidden):
        services.thread_mark_answer(thread=started, actor=answer.author, post=answer)
    services.thread_mark_answer(thread=started, actor=started.author, post=answer)
    started.refresh_from_db()
    assert started.answer_id == answer.pk


def test_an_answer_must_be_a_reply_of_the_thread():
    # given two threads
    started = thread()
    elsewhere = reply(thread())

    # when the author marks another thread's reply, then it is a validation error
    with pytest.raises(ValidationFailed):
        services.thread_mark_answer(thread=started, actor=started.author, post=elsewhere)
    assert Thread.objects.get(pk=started.pk).answer_id is None


def test_hiding_a_post_drops_it_from_the_count_and_logs_the_reason():
    # given a reply
    started = thread()
    post = reply(started)
    staff = moderator()

    # when a moderator hides it
    services.post_hide(post=post, actor=staff, reason="spam")

    # then it is hidden, uncounted, and the log says who and why
    post.refresh_from_db()
    started.refresh_from_db()
    assert post.hidden is True
    assert started.reply_count == 0
    entry = ModelLogEntry.objects.get(action=services.LOG_HIDE)
    assert (entry.user_id, entry.data) == (staff.pk, {"reason": "spam"})
