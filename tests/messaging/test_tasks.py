"""The unread-message digest: one e-mail for many messages, once, after the delay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from messaging import services
from messaging.models import Message, NotificationPreference, ThreadParticipant
from messaging.tasks import message_digest_dispatch_task
from tests.accounts.factories import UserFactory
from tests.messaging.factories import pair_thread, send

pytestmark = pytest.mark.django_db


def _age(minutes: int) -> None:
    """Make every message ``minutes`` old."""
    Message.objects.update(created_at=timezone.now() - timedelta(minutes=minutes))


def test_digest_lists_unread_messages_of_every_thread_in_one_mail(
    django_capture_on_commit_callbacks,
):
    # given three messages to Ann in two threads, 20 minutes old
    ann = UserFactory(email="ann@example.test")
    bob = UserFactory(first_name="Bob", last_name="B")
    cat = UserFactory(first_name="Cat", last_name="C")
    send(pair_thread(ann, bob), bob, "one")
    send(pair_thread(ann, bob), bob, "two")
    send(pair_thread(ann, cat), cat, "three")
    _age(20)

    # when the beat task runs
    with django_capture_on_commit_callbacks(execute=True):
        queued = message_digest_dispatch_task()

    # then one mail for Ann, none for the senders
    assert queued == 1
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == ["ann@example.test"]
    assert digest.subject == "Unread messages on SkillSwap: 3"
    assert "Bob B (New: 2)" in digest.body
    assert "Cat C (New: 1)" in digest.body
    assert "Bob B: two" in digest.body


def test_digest_is_sent_once(django_capture_on_commit_callbacks):
    ann, bob = UserFactory(), UserFactory()
    send(pair_thread(ann, bob), bob, "hello")
    _age(20)

    with django_capture_on_commit_callbacks(execute=True):
        message_digest_dispatch_task()
    with django_capture_on_commit_callbacks(execute=True):
        again = message_digest_dispatch_task()

    assert again == 0
    assert len(mail.outbox) == 1


def test_recent_or_read_messages_are_not_mailed(django_capture_on_commit_callbacks):
    ann, bob, cat = UserFactory(), UserFactory(), UserFactory()
    read_thread = pair_thread(ann, bob)
    send(read_thread, bob, "read already")
    _age(20)
    services.thread_mark_read(thread=read_thread, user=ann)
    send(pair_thread(ann, cat), cat, "just now")

    with django_capture_on_commit_callbacks(execute=True):
        queued = message_digest_dispatch_task()

    assert queued == 0
    assert mail.outbox == []


def test_digest_respects_the_email_preference(django_capture_on_commit_callbacks):
    ann, bob = UserFactory(), UserFactory()
    NotificationPreference.objects.create(user=ann, kind="new_message", in_app=True, email=False)
    thread = pair_thread(ann, bob)
    message = send(thread, bob, "hello")
    _age(20)

    with django_capture_on_commit_callbacks(execute=True):
        message_digest_dispatch_task()

    assert mail.outbox == []
    position = ThreadParticipant.objects.get(thread=thread, user=ann)
    assert position.emailed_up_to_message_id == message.pk


def test_digest_in_arabic_for_an_arabic_reader(django_capture_on_commit_callbacks):
    ann, bob = UserFactory(language="ar"), UserFactory()
    send(pair_thread(ann, bob), bob, "مرحبا")
    _age(20)

    with django_capture_on_commit_callbacks(execute=True):
        message_digest_dispatch_task()

    html, _mime = mail.outbox[0].alternatives[0]
    assert 'lang="ar" dir="rtl"' in html
    assert "مرحبا" in html


def _digest_then_fail(user) -> None:
    with transaction.atomic():
        services.message_digest_send(user=user)
        raise RuntimeError("worker died")


def test_digest_not_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    send(thread, bob, "hello")
    _age(20)

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        _digest_then_fail(ann)

    assert callbacks == []
    assert mail.outbox == []
    assert ThreadParticipant.objects.get(thread=thread, user=ann).emailed_up_to_message_id == 0


def test_digest_escapes_what_members_wrote_in_html_and_keeps_it_in_text(
    django_capture_on_commit_callbacks,
):
    # given: text that strip_tags used to eat, stored as written
    ann, bob = UserFactory(), UserFactory()
    send(pair_thread(ann, bob), bob, "if a<b and c>d then <script>x</script>")
    _age(20)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        message_digest_dispatch_task()

    # then: escaped in the HTML part, exact in the plain-text part
    html, _mime = mail.outbox[0].alternatives[0]
    assert "if a&lt;b and c&gt;d then &lt;script&gt;x&lt;/script&gt;" in html
    assert "<script>x</script>" not in html
    assert "if a<b and c>d then <script>x</script>" in mail.outbox[0].body
