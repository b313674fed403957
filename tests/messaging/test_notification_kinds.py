"""The registry of notification kinds: each app registers its own, messaging only renders them."""

from __future__ import annotations

import pytest
from django.utils import translation

from messaging import notification_kinds
from messaging.models import Notification
from messaging.services import notification_send
from tests.accounts.factories import UserFactory

# The API's NotificationTypeEnum, in its order: every app's kinds, and the provisional kinds of
# apps not built yet (docs/api.md).
API_KINDS = [
    "new_message",
    "swap_requested",
    "swap_accepted",
    "swap_rejected",
    "swap_cancelled",
    "swap_rescheduled",
    "swap_completed",
    "swap_disputed",
    "session_reminder_24h",
    "session_reminder_1h",
    "review_received",
    "badge_earned",
    "payment_succeeded",
    "payment_failed",
    "payment_refunded",
    "forum_reply",
    "moderation_decision",
    "call_started",
    "event_booking_confirmed",
    "event_waitlisted",
    "event_promoted",
    "event_promotion_skipped",
    "event_cancelled",
    "ticket_reply",
    "offer_expiring",
    "weekly_digest",
]


@pytest.fixture
def registry(monkeypatch):
    """A copy of the registry that a test may change."""
    monkeypatch.setattr(notification_kinds, "_registry", dict(notification_kinds._registry))
    return notification_kinds


def test_every_app_registered_its_kinds_in_the_api_order():
    kinds = notification_kinds.kinds()

    assert [spec.kind for spec in kinds] == API_KINDS
    assert {spec.kind: spec.module for spec in kinds}["swap_requested"] == "exchanges.notifications"
    assert {spec.kind: spec.module for spec in kinds}["new_message"] == "messaging.notifications"


def test_a_new_app_registers_a_kind_and_it_is_sent_in_the_recipients_language(registry, db):
    # given: a kind registered from outside messaging
    registry.register(
        "event_booked",
        label="Event booked",
        title="Booked: %(event_title)s",
        body="See you at %(event_title)s%(missing)s.",
        order=650,
        default_channels=("in_app",),
    )
    ann = UserFactory()

    # when
    notification = notification_send(
        recipient=ann, kind="event_booked", context={"event_title": "Tea <3"}
    )

    # then: stored with the texts, unknown context keys blank, listed in its place
    assert (notification.title, notification.body) == ("Booked: Tea <3", "See you at Tea <3.")
    assert registry.values().index("event_booked") == API_KINDS.index("forum_reply") + 1


def test_a_real_registration_replaces_a_provisional_one_and_never_the_reverse(registry):
    registry.register("wiki_edit", label="Old", title="Old", body="", order=650, provisional=True)
    registry.register("wiki_edit", label="Edit", title="Edit", body="", order=650)
    kept = registry.register(
        "wiki_edit", label="Older", title="Older", body="", order=650, provisional=True
    )

    assert kept.label == "Edit"
    assert registry.get("wiki_edit").provisional is False


def test_a_kind_registered_twice_for_real_is_a_bug(registry):
    with pytest.raises(ValueError, match="registered twice"):
        registry.register("swap_requested", label="x", title="x", body="", order=1)


def test_malformed_kinds_and_channels_are_refused(registry):
    with pytest.raises(ValueError, match="letters"):
        registry.register("no spaces", label="x", title="x", body="", order=1)
    with pytest.raises(ValueError, match="channels"):
        registry.register(
            "ok_kind", label="x", title="x", body="", order=1, default_channels=["sms"]
        )
    assert not registry.is_registered("ok_kind")


def test_unregistered_kind_raises_before_anything_is_stored(db):
    ann = UserFactory()

    with pytest.raises(ValueError, match="not a registered notification kind"):
        notification_send(recipient=ann, kind="nobody_sends_this")

    assert Notification.objects.count() == 0


def test_moderation_decision_texts_come_from_its_registration(db):
    ann = UserFactory(language="ar")

    notification = notification_send(
        recipient=ann, kind="moderation_decision", context={"decision": "removed", "note": ""}
    )

    with translation.override("ar"):
        expected_label = str(notification_kinds.get("moderation_decision").title) % {
            "object_label": translation.gettext("your content")
        }
    assert notification.title == expected_label
