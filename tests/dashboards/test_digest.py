"""The weekly digest: once per member and week, skipped when off or empty, in their language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import translation

from dashboards import digest
from dashboards.models import DigestDelivery
from dashboards.tasks import digest_dispatch_task, digest_send_batch_task
from exchanges.models import Swap
from marketplace.models import Direction, Offer
from messaging.models import NotificationPreference
from tests.accounts.factories import UserFactory
from tests.exchanges.factories import SwapFactory
from tests.marketplace.factories import SkillFactory, UserSkillFactory, make_offer
from tests.messaging.factories import pair_thread, send

pytestmark = pytest.mark.django_db

# Monday 2026-11-30, 07:00 UTC: the week's send time.
MONDAY = dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC)
WEEK = dt.date(2026, 11, 30)


def _member_wanting(skill, **fields):
    member = UserFactory(**fields)
    member.date_joined = MONDAY - dt.timedelta(days=30)
    member.save(update_fields=["date_joined"])
    UserSkillFactory(user=member, skill=skill, direction=Direction.WANTED)
    return member


def _new_offer(skill, *, title="Oud for beginners", days_ago=2):
    offer = make_offer(title=title, offered=[skill], category=skill.category)
    Offer.objects.filter(pk=offer.pk).update(created_at=MONDAY - dt.timedelta(days=days_ago))
    return offer


def test_the_week_starts_on_monday_utc():
    assert digest.digest_week(dt.datetime(2026, 12, 6, 23, 59, tzinfo=dt.UTC)) == WEEK
    assert digest.digest_week(MONDAY) == WEEK
    assert digest.digest_send_time(WEEK) == MONDAY


def test_the_digest_is_sent_once_when_its_task_runs_twice(monkeypatch):
    # given
    skill = SkillFactory()
    member = _member_wanting(skill, language="en")
    _new_offer(skill, title="Oud for beginners")
    _new_offer(skill, title="Too old", days_ago=20)
    monkeypatch.setattr(digest.timezone, "now", lambda: MONDAY + dt.timedelta(minutes=1))
    mail.outbox.clear()
    # when: beat fires, then fires again (a restart), and a batch is delivered twice
    first = digest_dispatch_task()
    second = digest_dispatch_task()
    again = digest_send_batch_task([member.pk], WEEK.isoformat())
    # then
    assert (first, second, again) == (1, 0, 0)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [member.email]
    assert message.subject == "Your week on SkillSwap"
    assert "Oud for beginners" in message.body
    assert "Too old" not in message.body
    delivery = DigestDelivery.objects.get(user=member, week=WEEK)
    assert delivery.status == DigestDelivery.Status.SENT
    assert delivery.summary == {"offers": 1, "requests": 0, "unread": 0}


def test_a_stale_claim_is_retried_and_a_fresh_one_is_left_alone(settings):
    # given: a worker claimed the member's digest and died before sending
    settings.DIGEST_RETRY_AFTER_MINUTES = 15
    skill = SkillFactory()
    member = _member_wanting(skill)
    _new_offer(skill)
    DigestDelivery.objects.create(user=member, week=WEEK, claimed_at=MONDAY)
    mail.outbox.clear()
    # when: a run 5 minutes later, then one 20 minutes later
    fresh = digest.digest_send(user_id=member.pk, week=WEEK, now=MONDAY + dt.timedelta(minutes=5))
    due = digest.digest_due_user_ids(week=WEEK, now=MONDAY + dt.timedelta(minutes=20))
    stale = digest.digest_send(user_id=member.pk, week=WEEK, now=MONDAY + dt.timedelta(minutes=20))
    # then
    assert (fresh, due, stale) == (False, [member.pk], True)
    assert len(mail.outbox) == 1
    delivery = DigestDelivery.objects.get(user=member, week=WEEK)
    assert (delivery.status, delivery.attempts) == (DigestDelivery.Status.SENT, 2)


def test_members_who_turned_it_off_get_none():
    # given
    skill = SkillFactory()
    member = _member_wanting(skill)
    NotificationPreference.objects.create(
        user=member, kind="weekly_digest", in_app=False, email=False
    )
    _new_offer(skill)
    mail.outbox.clear()
    # when
    due = digest.digest_due_user_ids(week=WEEK, now=MONDAY)
    sent = digest.digest_send(user_id=member.pk, week=WEEK, now=MONDAY)
    # then
    assert due == []
    assert sent is False
    assert mail.outbox == []
    assert DigestDelivery.objects.get(user=member).status == DigestDelivery.Status.SKIPPED


def test_inactive_members_and_empty_digests_get_none():
    # given
    skill = SkillFactory()
    suspended = _member_wanting(skill)
    suspended.suspended_at = MONDAY - dt.timedelta(days=1)
    suspended.save(update_fields=["suspended_at"])
    idle = _member_wanting(SkillFactory())
    _new_offer(skill)
    mail.outbox.clear()
    # when
    sent = [
        digest.digest_send(user_id=user.pk, week=WEEK, now=MONDAY) for user in (suspended, idle)
    ]
    # then
    assert sent == [False, False]
    assert mail.outbox == []
    assert DigestDelivery.objects.get(user=idle).summary == {
        "offers": 0,
        "requests": 0,
        "unread": 0,
        "reason": "empty",
    }


def test_nothing_is_sent_before_monday_seven():
    skill = SkillFactory()
    _member_wanting(skill)
    _new_offer(skill)
    assert digest.digest_due_user_ids(week=WEEK, now=MONDAY - dt.timedelta(minutes=1)) == []


def test_the_digest_lists_requests_and_unread_messages_in_arabic_for_an_arabic_member():
    # given
    skill = SkillFactory(name_ar="عزف العود")
    member = _member_wanting(skill, language="ar")
    _new_offer(skill, title="دروس عود")
    requester = UserFactory(display_name="سارة")
    SwapFactory(requester=requester, responder=member, title="جلسة", status=Swap.Status.PENDING)
    send(pair_thread(member, requester), requester, "مرحبا")
    mail.outbox.clear()
    # when
    sent = digest.digest_send(user_id=member.pk, week=WEEK, now=MONDAY + dt.timedelta(hours=1))
    # then
    assert sent is True
    (message,) = mail.outbox
    with translation.override("ar"):
        assert message.subject == translation.gettext("Your week on SkillSwap")
    html = message.alternatives[0][0]
    assert 'dir="rtl"' in html
    assert 'lang="ar"' in html
    assert "مرحبًا" in message.body  # the greeting, from the Arabic catalogue
    assert "دروس عود" in message.body
    assert skill.category.name_ar in message.body
    assert "جلسة (سارة)" in message.body
    assert "/ar/offers/" in message.body
    assert "/ar/me/swaps/" in message.body
    assert "/ar/me/messages/" in message.body
    assert DigestDelivery.objects.get(user=member).summary == {
        "offers": 1,
        "requests": 1,
        "unread": 1,
    }


def test_offers_already_in_the_last_digest_are_not_new_again():
    # given: last week's digest went out Monday 07:00
    skill = SkillFactory()
    member = _member_wanting(skill)
    last_week = WEEK - dt.timedelta(days=7)
    DigestDelivery.objects.create(
        user=member,
        week=last_week,
        claimed_at=MONDAY - dt.timedelta(days=7),
        sent_at=MONDAY - dt.timedelta(days=7),
        status=DigestDelivery.Status.SENT,
    )
    _new_offer(skill, title="Listed last week", days_ago=8)
    _new_offer(skill, title="Listed this week", days_ago=1)
    # when
    since = digest.digest_since(user_id=member.pk, week=WEEK, now=MONDAY)
    content = digest.digest_content(user=member, since=since, now=MONDAY)
    # then
    assert since == MONDAY - dt.timedelta(days=7)
    assert [offer["title"] for offer in content["offers"]] == ["Listed this week"]


def test_the_kind_is_in_the_preferences_email_only_by_default():
    from messaging import notification_kinds

    spec = notification_kinds.get("weekly_digest")
    assert (spec.order, spec.defaults) == (880, (False, True))
    assert notification_kinds.get("offer_expiring").order == 870


def test_expired_offers_are_not_in_the_digest():
    skill = SkillFactory()
    member = _member_wanting(skill)
    offer = _new_offer(skill, title="Expired already")
    Offer.objects.filter(pk=offer.pk).update(expires_at=MONDAY - dt.timedelta(hours=1))
    content = digest.digest_content(user=member, since=MONDAY - dt.timedelta(days=7), now=MONDAY)
    assert content["offers_total"] == 0


def test_dispatch_fans_out_in_batches(settings, monkeypatch):
    # given
    settings.DIGEST_BATCH_SIZE = 2
    skill = SkillFactory()
    members = [_member_wanting(skill) for _ in range(3)]
    batches: list[tuple[list[int], str]] = []
    monkeypatch.setattr(
        digest_send_batch_task, "delay", lambda user_ids, week: batches.append((user_ids, week))
    )
    # when
    count = digest.digest_dispatch(now=MONDAY)
    # then
    ids = sorted(member.pk for member in members)
    assert count == 3
    assert batches == [(ids[:2], WEEK.isoformat()), (ids[2:], WEEK.isoformat())]


def test_the_digest_reads_in_a_constant_number_of_queries(django_assert_num_queries):
    # given: several matching offers, requests and threads
    skill = SkillFactory()
    member = _member_wanting(skill)
    for index in range(3):
        _new_offer(skill, title=f"Offer {index}")
        requester = UserFactory()
        SwapFactory(requester=requester, responder=member)
        send(pair_thread(member, requester), requester, "hi")
    # when / then: wanted skills and offers counted, offers listed, requests counted and
    # listed, unread messages summed
    with django_assert_num_queries(5):
        content = digest.digest_content(
            user=member, since=MONDAY - dt.timedelta(days=7), now=MONDAY + dt.timedelta(days=1)
        )
    assert (content["offers_total"], content["requests_total"], content["unread"]) == (3, 3, 3)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_digest_at_once_mail_it_once():
    import threading

    from django.db import connection

    # given
    skill = SkillFactory()
    member = _member_wanting(skill)
    _new_offer(skill)
    mail.outbox.clear()
    barrier = threading.Barrier(2)
    results: list[bool] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(digest.digest_send(user_id=member.pk, week=WEEK, now=MONDAY))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert sorted(results) == [False, True]
    assert len(mail.outbox) == 1
    assert DigestDelivery.objects.get(user=member).status == DigestDelivery.Status.SENT
