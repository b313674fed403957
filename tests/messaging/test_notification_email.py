"""A notification's e-mail goes out once per notification, and a failed send claims nothing."""

from __future__ import annotations

import pytest
from django.core import mail

from messaging.models import Notification
from messaging.services import emails
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def _notification() -> Notification:
    recipient = UserFactory(email="learner@example.test")
    return Notification.objects.create(
        recipient=recipient, kind="swap_requested", title="New swap request", body="Guitar"
    )


def _send(notification: Notification) -> bool:
    return emails.notification_email_send(
        recipient=notification.recipient,
        kind=notification.kind,
        context={},
        notification=notification,
    )


def test_a_notification_is_mailed_once_however_often_the_task_runs():
    # given
    notification = _notification()

    # when the task is delivered twice
    first, second = _send(notification), _send(notification)

    # then
    notification.refresh_from_db()
    assert (first, second) == (True, False)
    assert [m.subject for m in mail.outbox] == ["New swap request"]
    assert notification.emailed_at is not None


def test_a_failed_send_leaves_the_notification_unclaimed_for_the_retry(monkeypatch):
    # given an SMTP failure on the first attempt
    notification = _notification()
    real_send = emails._send_mail

    def failing(**kwargs):
        raise ConnectionError("SMTP down")

    monkeypatch.setattr(emails, "_send_mail", failing)

    # when the first attempt fails
    with pytest.raises(ConnectionError):
        _send(notification)

    # then nothing is recorded as e-mailed
    notification.refresh_from_db()
    assert notification.emailed_at is None
    assert mail.outbox == []

    # when the retry runs with SMTP back
    monkeypatch.setattr(emails, "_send_mail", real_send)
    sent = _send(notification)

    # then it goes out once
    notification.refresh_from_db()
    assert sent is True
    assert [m.subject for m in mail.outbox] == ["New swap request"]
    assert notification.emailed_at is not None
