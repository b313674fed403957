"""Celery beat work: reminders exactly once, auto-completion, the calendar task."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from exchanges import services, tasks
from exchanges.models import Swap
from messaging.models import Notification
from tests.accounts.factories import UserFactory
from tests.exchanges.factories import at, expert

pytestmark = pytest.mark.django_db


def accepted_at(hours: float) -> Swap:
    swap = services.swap_create(
        requester=UserFactory(), responder=expert(), scheduled_start=at(hours)
    )
    return services.swap_accept(swap=swap, actor=swap.responder)


def reminders(kind: str) -> list[tuple[int, int]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("related_id", "recipient_id"))


def test_the_24h_reminder_goes_to_both_parties_once():
    # given one session in 23 h and one in 30 h
    soon = accepted_at(23)
    later = accepted_at(30)

    # when beat ticks twice
    first = services.session_reminders_send()
    second = services.session_reminders_send()

    # then
    assert first == {"24h": 1, "1h": 0}
    assert second == {"24h": 0, "1h": 0}
    assert reminders("session_reminder_24h") == sorted(
        [(soon.pk, soon.requester_id), (soon.pk, soon.responder_id)]
    )
    assert Swap.objects.get(pk=later.pk).reminder_24h_sent_at is None


def test_the_1h_reminder_follows_and_is_also_sent_once():
    swap = accepted_at(23)
    services.session_reminders_send()

    one_hour_before = swap.scheduled_start - dt.timedelta(minutes=59)
    assert services.session_reminders_send(now=one_hour_before) == {"24h": 0, "1h": 1}
    assert services.session_reminders_send(now=one_hour_before) == {"24h": 0, "1h": 0}

    assert len(reminders("session_reminder_1h")) == 2
    assert len(reminders("session_reminder_24h")) == 2


def test_a_session_booked_at_short_notice_gets_only_the_1h_reminder():
    accepted_at(0.75)

    assert services.session_reminders_send() == {"24h": 0, "1h": 1}
    assert reminders("session_reminder_24h") == []


def test_pending_cancelled_and_past_sessions_get_no_reminder():
    services.swap_create(requester=UserFactory(), responder=expert(), scheduled_start=at(2))
    cancelled = accepted_at(3)
    services.swap_cancel(swap=cancelled, actor=cancelled.requester)
    past = accepted_at(5)
    Swap.objects.filter(pk=past.pk).update(scheduled_start=at(-2), scheduled_end=at(-1))

    assert services.session_reminders_send() == {"24h": 0, "1h": 0}


def test_a_reschedule_rearms_the_reminders():
    swap = accepted_at(20)
    services.session_reminders_send()
    services.swap_reschedule(swap=swap, actor=swap.requester, start=at(70))
    swap = services.swap_reschedule_accept(swap=swap, actor=swap.responder)

    assert (swap.reminder_24h_sent_at, swap.reminder_1h_sent_at) == (None, None)
    assert services.session_reminders_send(now=at(50)) == {"24h": 1, "1h": 0}


def test_beat_schedules_the_exchanges_tasks():
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert "exchanges.tasks.session_reminders_task" in schedule
    assert "exchanges.tasks.swaps_auto_complete_task" in schedule


def test_tasks_run_the_services():
    accepted_at(10)
    marked = accepted_at(50)
    Swap.objects.filter(pk=marked.pk).update(
        scheduled_start=at(-60),
        scheduled_end=at(-59),
        completion_requested_by=marked.responder,
        completion_requested_at=timezone.now() - dt.timedelta(hours=49),
    )

    assert tasks.session_reminders_task.delay().get() == {"24h": 1, "1h": 0}
    assert tasks.swaps_auto_complete_task.delay().get() == 1
    assert Swap.objects.get(pk=marked.pk).status == Swap.Status.COMPLETED
