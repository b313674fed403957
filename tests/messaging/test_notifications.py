"""notification_send: stored in the recipient's language, pushed and e-mailed after commit only."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation

from messaging import services
from messaging.models import Notification, NotificationPreference
from messaging.notification_kinds import kinds
from messaging.notifications import DECISIONS
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

SWAP = {"swap_title": "Guitar for Python", "other_name": "Daniel Okafor"}


def test_notification_is_stored_with_the_kinds_text():
    # given
    user = UserFactory()

    # when
    notification = services.notification_send(
        recipient=user,
        kind="swap_accepted",
        context=SWAP,
        related_type="swap",
        related_id=12,
    )

    # then
    stored = Notification.objects.get()
    assert stored.pk == notification.pk
    assert stored.kind == "swap_accepted"
    assert stored.title == "Swap accepted"
    assert stored.body == "Daniel Okafor accepted your swap “Guitar for Python”."
    assert (stored.related_type, stored.related_id, stored.is_read) == ("swap", 12, False)
    assert stored.data == SWAP


def test_missing_context_keys_render_empty_not_an_error():
    user = UserFactory()

    notification = services.notification_send(recipient=user, kind="badge_earned")

    assert notification.body == "You earned the “” badge."


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="not_a_kind"):
        services.notification_send(recipient=UserFactory(), kind="not_a_kind")
    assert Notification.objects.count() == 0


def test_times_are_shown_in_the_recipients_language_and_time_zone():
    # given one English recipient in Cairo and one Arabic recipient in Dubai
    english = UserFactory(language="en", time_zone="Africa/Cairo")
    arabic = UserFactory(language="ar", time_zone="Asia/Dubai")
    context = {**SWAP, "start": "2026-11-03T16:00:00+00:00"}

    # when
    for_english = services.notification_send(
        recipient=english, kind="session_reminder_1h", context=context
    )
    for_arabic = services.notification_send(
        recipient=arabic, kind="session_reminder_1h", context=context
    )

    # then: 18:00 in Cairo, 20:00 in Dubai, with Django's own Arabic month name
    assert "Nov. 3, 2026, 6 p.m." in for_english.body
    assert "نوفمبر 3, 2026, 8 م" in for_arabic.body


def test_in_app_preference_off_stores_nothing_and_returns_none():
    user = UserFactory()
    NotificationPreference.objects.create(user=user, kind="badge_earned", in_app=False, email=False)

    result = services.notification_send(recipient=user, kind="badge_earned", context={})

    assert result is None
    assert Notification.objects.count() == 0


def test_email_is_sent_on_commit_in_the_recipients_language(django_capture_on_commit_callbacks):
    # given
    user = UserFactory(email="ann@example.test", first_name="Ann", last_name="Lee")

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notification_send(recipient=user, kind="swap_requested", context=SWAP)

    # then nothing left before the commit
    assert mail.outbox == []

    # when the transaction commits
    for callback in callbacks:
        callback()

    # then
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["ann@example.test"]
    assert sent.subject == "New swap request"
    assert "Hello Ann Lee," in sent.body
    assert "Daniel Okafor asked you for a swap: “Guitar for Python”." in sent.body
    html, mime = sent.alternatives[0]
    assert mime == "text/html"
    assert 'dir="ltr"' in html


def test_arabic_recipient_gets_a_right_to_left_email(django_capture_on_commit_callbacks):
    user = UserFactory(language="ar")

    with django_capture_on_commit_callbacks(execute=True):
        services.notification_send(recipient=user, kind="swap_requested", context=SWAP)

    html, _mime = mail.outbox[0].alternatives[0]
    assert 'lang="ar" dir="rtl"' in html


def _notify_then_fail(user) -> None:
    with transaction.atomic():
        services.notification_send(recipient=user, kind="swap_requested", context=SWAP)
        raise RuntimeError("the swap could not be saved")


def test_no_email_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    user = UserFactory()

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        _notify_then_fail(user)

    assert callbacks == []
    assert mail.outbox == []
    assert Notification.objects.count() == 0


def test_email_preference_off_sends_no_mail(django_capture_on_commit_callbacks):
    user = UserFactory()
    NotificationPreference.objects.create(
        user=user, kind="swap_requested", in_app=True, email=False
    )

    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notification_send(
            recipient=user, kind="swap_requested", context=SWAP
        )

    assert notification is not None
    assert mail.outbox == []


def test_email_still_goes_out_when_only_in_app_is_off(django_capture_on_commit_callbacks):
    user = UserFactory()
    NotificationPreference.objects.create(
        user=user, kind="payment_failed", in_app=False, email=True
    )

    with django_capture_on_commit_callbacks(execute=True):
        result = services.notification_send(
            recipient=user, kind="payment_failed", context={"amount": "$10", "reason": "declined"}
        )

    assert result is None
    assert [m.subject for m in mail.outbox] == ["Payment failed"]
    assert "Your payment of $10 did not go through: declined" in mail.outbox[0].body


def test_new_messages_are_never_mailed_one_by_one(django_capture_on_commit_callbacks):
    user = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        services.notification_send(
            recipient=user,
            kind="new_message",
            context={"sender_name": "Bob", "preview": "hi"},
            related_type="thread",
            related_id=1,
        )

    assert mail.outbox == []


def test_notification_email_task_sends_each_notification_at_most_once(
    django_capture_on_commit_callbacks,
):
    from messaging.tasks import notification_email_task

    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notification_send(
            recipient=user, kind="badge_earned", context={"badge_name": "Mentor"}
        )
    NotificationPreference.objects.create(user=user, kind="badge_earned", in_app=True, email=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_send(
            recipient=user, kind="badge_earned", context={"badge_name": "Helper"}
        )

    # when a delivered task is delivered again
    again = notification_email_task(
        recipient_id=user.pk,
        kind="badge_earned",
        context={},
        notification_id=Notification.objects.filter(recipient=user).latest("id").pk,
    )

    # then: badge e-mails are off by default, on after the preference; the redelivery is a no-op
    assert notification is not None
    assert [m.subject for m in mail.outbox] == ["Badge earned"]
    assert again is False


def test_every_notification_text_has_an_arabic_translation():
    # every registered kind, whichever app registered it
    texts = [text for spec in kinds() for text in (spec.label, spec.title, spec.body)]
    texts += list(DECISIONS.values())

    with translation.override("en"):
        english = [str(text) for text in texts]
    with translation.override("ar"):
        arabic = [str(text) for text in texts]

    def has_words(text: str) -> bool:
        # "%(sender_name)s: %(preview)s" is the same in every language
        return any(ch.isalpha() for ch in re.sub(r"%\(\w+\)[sd]", "", text))

    untranslated = sorted(
        en for en, ar in zip(english, arabic, strict=True) if en == ar and has_words(en)
    )
    assert untranslated == []
