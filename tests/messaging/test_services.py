"""Threads, messages, blocks, read receipts and reports through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from messaging import services
from messaging.models import (
    Message,
    MessageReport,
    Notification,
    Thread,
    ThreadParticipant,
    UserBlock,
)
from messaging.notifications import MODERATION_DECISION, NEW_MESSAGE
from tests.accounts.factories import UserFactory
from tests.messaging.factories import pair_thread, send

pytestmark = pytest.mark.django_db


# --- threads ------------------------------------------------------------------------------------


def test_pair_thread_is_one_row_whichever_user_starts_it():
    # given
    ann, bob = UserFactory(), UserFactory()

    # when
    first = pair_thread(ann, bob)
    second = pair_thread(bob, ann)

    # then
    assert first.pk == second.pk
    assert Thread.objects.count() == 1
    assert (first.user_low_id, first.user_high_id) == tuple(sorted([ann.pk, bob.pk]))
    assert set(first.participants.values_list("user_id", flat=True)) == {ann.pk, bob.pk}


def test_pair_thread_with_oneself_is_refused():
    ann = UserFactory()

    with pytest.raises(ValidationFailed) as refusal:
        pair_thread(ann, ann)

    assert refusal.value.fields == {"receiver_id": ["You cannot message yourself."]}
    assert Thread.objects.count() == 0


def test_subject_thread_is_one_per_subject_and_gains_members():
    # given
    ann, bob, cat = UserFactory(), UserFactory(), UserFactory()
    first = services.thread_get_or_create_for_subject(
        subject_type="swap", subject_id=7, participants=[ann, bob]
    )

    # when
    again = services.thread_get_or_create_for_subject(
        subject_type="swap", subject_id=7, participants=[bob, cat], title="Guitar for Python"
    )

    # then
    assert again.pk == first.pk
    assert again.kind == Thread.Kind.SUBJECT
    assert again.title == "Guitar for Python"
    assert set(again.participants.values_list("user_id", flat=True)) == {ann.pk, bob.pk, cat.pk}
    other = services.thread_get_or_create_for_subject(
        subject_type="swap", subject_id=8, participants=[ann]
    )
    assert other.pk != first.pk


def test_subject_and_pair_threads_of_the_same_users_are_distinct():
    ann, bob = UserFactory(), UserFactory()

    direct = pair_thread(ann, bob)
    bound = services.thread_get_or_create_for_subject(
        subject_type="swap", subject_id=1, participants=[ann, bob]
    )

    assert direct.pk != bound.pk


# --- sending ------------------------------------------------------------------------------------


def test_send_stores_the_text_as_written_and_moves_the_thread_forward():
    # given
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)

    # when
    message = send(
        thread, ann, "  <b>Hi</b> Bob <script>alert(1)</script>\r\n\r\n\r\n\r\nbye\u202e "
    )

    # then
    # then: markup is kept (escaped when shown); the bidi override, CRs and blank runs go
    assert message.content == "<b>Hi</b> Bob <script>alert(1)</script>\n\nbye"
    thread.refresh_from_db()
    assert thread.last_message_id == message.pk
    assert thread.last_message_at == message.created_at
    sender_position = ThreadParticipant.objects.get(thread=thread, user=ann)
    assert sender_position.last_read_message_id == message.pk
    assert ThreadParticipant.objects.get(thread=thread, user=bob).last_read_message_id == 0


def test_arabic_text_and_comparisons_survive_cleaning():
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)

    message = send(thread, ann, "مرحبا! 2 < 3 and 5 > 4")

    assert message.content == "مرحبا! 2 < 3 and 5 > 4"


def test_too_long_message_is_refused_and_nothing_is_stored(settings):
    settings.MESSAGING_MESSAGE_MAX_LENGTH = 10
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)

    with pytest.raises(ValidationFailed) as refusal:
        send(thread, ann, "x" * 11)

    assert refusal.value.fields == {
        "content": ["Ensure this field has no more than 10 characters."]
    }
    assert Message.objects.count() == 0


def test_message_that_is_only_invisible_characters_is_refused():
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)

    with pytest.raises(ValidationFailed) as refusal:
        send(thread, ann, " \u202e\u200b\n\t\u2066 ")

    assert refusal.value.fields == {"content": ["Write a message or attach a file."]}
    assert Message.objects.count() == 0


def test_non_member_cannot_send():
    ann, bob, eve = UserFactory(), UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)

    with pytest.raises(NotFound):
        send(thread, eve, "let me in")

    assert Message.objects.count() == 0


def test_send_notifies_the_other_member_once_per_thread_while_unread():
    # given
    ann, bob = UserFactory(first_name="Ann", last_name="Lee"), UserFactory()
    thread = pair_thread(ann, bob)

    # when
    send(thread, ann, "first")
    second = send(thread, ann, "second")

    # then
    notification = Notification.objects.get(recipient=bob)
    assert notification.kind == NEW_MESSAGE
    assert notification.title == "New message from Ann Lee"
    assert notification.body == "Ann Lee: second"
    assert (notification.related_type, notification.related_id) == ("thread", thread.pk)
    assert notification.data["message_id"] == second.pk
    assert Notification.objects.filter(recipient=ann).count() == 0


# --- blocks -------------------------------------------------------------------------------------


@pytest.mark.parametrize("blocker_is_sender", [True, False])
def test_block_stops_messages_both_ways(blocker_is_sender):
    # given
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    send(thread, ann, "before the block")
    if blocker_is_sender:
        services.user_block(blocker=ann, blocked=bob)
    else:
        services.user_block(blocker=bob, blocked=ann)

    # when
    with pytest.raises(Forbidden) as refusal:
        send(thread, ann, "after the block")

    # then
    assert refusal.value.code == "blocked"
    assert refusal.value.extra == {"blocked_by_you": blocker_is_sender}
    assert list(Message.objects.values_list("content", flat=True)) == ["before the block"]
    thread.refresh_from_db()
    assert thread.last_message.content == "before the block"


def test_block_also_applies_to_subject_threads():
    ann, bob = UserFactory(), UserFactory()
    thread = services.thread_get_or_create_for_subject(
        subject_type="swap", subject_id=3, participants=[ann, bob]
    )
    services.user_block(blocker=bob, blocked=ann)

    with pytest.raises(Forbidden):
        send(thread, ann, "hi")

    assert Message.objects.count() == 0


def test_unblock_lets_messages_through_again():
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    services.user_block(blocker=ann, blocked=bob)

    services.user_unblock(blocker=ann, blocked_id=bob.pk)
    message = send(thread, bob, "friends again")

    assert message.content == "friends again"
    assert UserBlock.objects.count() == 0


def test_block_is_idempotent_and_never_of_oneself():
    ann, bob = UserFactory(), UserFactory()

    first = services.user_block(blocker=ann, blocked=bob)
    again = services.user_block(blocker=ann, blocked=bob)

    assert first.pk == again.pk
    with pytest.raises(ValidationFailed):
        services.user_block(blocker=ann, blocked=ann)
    assert UserBlock.objects.count() == 1


# --- edit and delete ----------------------------------------------------------------------------


def test_edit_own_message_within_the_window():
    ann, bob = UserFactory(), UserFactory()
    message = send(pair_thread(ann, bob), ann, "helo")

    edited = services.message_edit(message=message, user=ann, content="hello")

    assert edited.content == "hello"
    assert edited.edited_at is not None


def test_edit_after_the_window_is_a_conflict_and_changes_nothing():
    ann, bob = UserFactory(), UserFactory()
    message = send(pair_thread(ann, bob), ann, "original")
    Message.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(minutes=15, seconds=1)
    )

    with pytest.raises(Conflict) as refusal:
        services.message_edit(message=message, user=ann, content="changed")

    assert refusal.value.code == "edit_window_closed"
    message.refresh_from_db()
    assert (message.content, message.edited_at) == ("original", None)


def test_cannot_edit_or_delete_someone_elses_message():
    ann, bob = UserFactory(), UserFactory()
    message = send(pair_thread(ann, bob), ann, "mine")

    with pytest.raises(Forbidden) as edit_refusal:
        services.message_edit(message=message, user=bob, content="yours now")
    with pytest.raises(Forbidden):
        services.message_delete(message=message, user=bob)

    assert edit_refusal.value.code == "not_message_owner"
    message.refresh_from_db()
    assert (message.content, message.deleted_at) == ("mine", None)


def test_delete_leaves_a_tombstone():
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    message = send(thread, ann, "oops")

    deleted = services.message_delete(message=message, user=ann)

    assert deleted.content == ""
    assert deleted.deleted_at is not None
    assert Message.objects.filter(thread=thread).count() == 1
    with pytest.raises(Conflict) as again:
        services.message_edit(message=deleted, user=ann, content="back")
    assert again.value.code == "message_deleted"


# --- read receipts ------------------------------------------------------------------------------


def test_mark_read_moves_forward_only_and_clears_the_thread_notification():
    # given
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    first = send(thread, ann, "one")
    second = send(thread, ann, "two")

    # when
    services.thread_mark_read(thread=thread, user=bob, up_to_message_id=first.pk)

    # then the notification stays unread while a later message is unread
    position = ThreadParticipant.objects.get(thread=thread, user=bob)
    assert position.last_read_message_id == first.pk
    assert Notification.objects.get(recipient=bob).is_read is False

    # when reading everything, then going back
    services.thread_mark_read(thread=thread, user=bob)
    services.thread_mark_read(thread=thread, user=bob, up_to_message_id=first.pk)

    position.refresh_from_db()
    assert position.last_read_message_id == second.pk
    assert Notification.objects.get(recipient=bob).is_read is True


def test_mark_read_of_a_message_in_another_thread_is_refused():
    ann, bob, cat = UserFactory(), UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    elsewhere = send(pair_thread(ann, cat), ann, "elsewhere")

    with pytest.raises(ValidationFailed):
        services.thread_mark_read(thread=thread, user=bob, up_to_message_id=elsewhere.pk)

    assert ThreadParticipant.objects.get(thread=thread, user=bob).last_read_message_id == 0


# --- reports ------------------------------------------------------------------------------------


def test_report_a_message_once():
    ann, bob = UserFactory(), UserFactory()
    message = send(pair_thread(ann, bob), ann, "buy cheap followers")

    report = services.message_report(message=message, reporter=bob, reason="spam")

    assert (report.status, report.reason) == (MessageReport.Status.OPEN, "spam")
    with pytest.raises(Conflict) as again:
        services.message_report(message=message, reporter=bob, reason="spam")
    assert again.value.code == "already_reported"
    with pytest.raises(ValidationFailed):
        services.message_report(message=message, reporter=ann, reason="spam")
    assert MessageReport.objects.count() == 1


def test_non_member_cannot_report():
    ann, bob, eve = UserFactory(), UserFactory(), UserFactory()
    message = send(pair_thread(ann, bob), ann, "private")

    with pytest.raises(NotFound):
        services.message_report(message=message, reporter=eve, reason="spam")

    assert MessageReport.objects.count() == 0


def test_removing_a_reported_message_tombstones_it_and_tells_both_sides():
    # given
    ann, bob = UserFactory(), UserFactory()
    moderator = UserFactory(is_staff=True)
    message = send(pair_thread(ann, bob), ann, "abuse")
    report = services.message_report(message=message, reporter=bob, reason="harassment")

    # when
    resolved = services.message_report_resolve(
        report=report, moderator=moderator, status="removed", note="Be kind."
    )

    # then
    assert resolved.status == MessageReport.Status.REMOVED
    assert resolved.moderator_id == moderator.pk
    message.refresh_from_db()
    assert message.deleted_at is not None
    assert message.removed_by_moderator is True
    assert message.content == ""
    decisions = Notification.objects.filter(kind=MODERATION_DECISION)
    assert sorted(decisions.values_list("recipient_id", "body")) == sorted(
        [
            (ann.pk, "Decision: removed. Be kind."),
            (bob.pk, "Decision: removed."),
        ]
    )


def test_dismissing_a_report_keeps_the_message():
    ann, bob = UserFactory(), UserFactory()
    message = send(pair_thread(ann, bob), ann, "fine")
    report = services.message_report(message=message, reporter=bob, reason="other")

    services.message_report_resolve(report=report, moderator=UserFactory(), status="dismissed")

    message.refresh_from_db()
    assert (message.content, message.deleted_at) == ("fine", None)
    assert (
        Notification.objects.filter(recipient=bob, kind=MODERATION_DECISION).get().body
        == "Decision: no action needed."
    )


# --- account lifecycle hooks --------------------------------------------------------------------


def test_export_and_erase_of_a_users_messaging_data():
    ann, bob = UserFactory(), UserFactory()
    send(pair_thread(ann, bob), ann, "hello")
    services.user_block(blocker=bob, blocked=ann)

    exported = services.user_messaging_export(ann)
    services.user_messaging_erase(bob)

    assert [row["content"] for row in exported["messages_sent"]] == ["hello"]
    assert Notification.objects.filter(recipient=bob).count() == 0
    assert UserBlock.objects.count() == 0
    assert Message.objects.count() == 1
