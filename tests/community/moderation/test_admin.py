"""The moderation queue and support tickets through the Wagtail admin, as a moderator uses them."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from wagtail.models import ModelLogEntry

from accounts.roles import Role
from community.moderation import services
from community.moderation.models import MemberWarning, Report, Ticket
from marketplace.models import OfferStatus
from messaging import services as messaging_services
from messaging.models import MessageReport, Notification
from tests.accounts.factories import UserFactory, user_with_role
from tests.community.moderation.factories import TicketFactory
from tests.marketplace.factories import make_offer
from tests.messaging.factories import pair_thread, send

pytestmark = pytest.mark.django_db

QUEUE = "/admin/moderation/"


@pytest.fixture
def moderator(client):
    user = user_with_role(Role.MODERATOR, is_staff=True)
    client.force_login(user)
    return user


def report(target_type, target, reporter=None, reason="spam"):
    report, _created = services.report_create(
        reporter=reporter or UserFactory(),
        target_type=target_type,
        target_id=target.pk,
        reason=reason,
    )
    return report


def logs(instance, action):
    return ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=str(instance.pk),
        action=action,
    )


def test_queue_groups_reports_by_target(client, moderator):
    # given
    offer = make_offer(owner=UserFactory(), title="Fake diplomas")
    report("offer", offer, reason="scam")
    report("offer", offer, reason="spam")
    report("user", UserFactory(first_name="Zed"))

    # when
    response = client.get(QUEUE)

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("data-case=") == 2
    assert "Fake diplomas" in page
    assert "Scam or fraud (1), Spam (1)" in page


def test_queue_query_count_does_not_grow(client, moderator, django_assert_max_num_queries):
    for _ in range(2):
        report("offer", make_offer(owner=UserFactory()))
    with django_assert_max_num_queries(40):
        client.get(QUEUE)
    for _ in range(8):
        report("offer", make_offer(owner=UserFactory()))
        report("user", UserFactory())

    with django_assert_max_num_queries(40) as captured:
        response = client.get(QUEUE)

    assert response.content.decode().count("data-case=") == 18
    assert len(captured) < 40


def test_member_cannot_open_the_queue(client):
    client.force_login(UserFactory())

    response = client.get(QUEUE)

    assert response.status_code in {302, 403}


def test_moderator_hides_a_reported_offer(client, moderator):
    # given
    owner = UserFactory()
    offer = make_offer(owner=owner, title="Fake diplomas")
    first = report("offer", offer)
    second = report("offer", offer)

    # when
    response = client.post(
        f"{QUEUE}offer/{offer.pk}/", {"action": "hide", "reason": "Selling forgeries."}
    )

    # then
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == OfferStatus.REMOVED
    for item in (first, second):
        item.refresh_from_db()
        assert (item.status, item.resolution, item.resolved_by) == (
            "resolved",
            "hidden",
            moderator,
        )
    (entry,) = logs(offer, "skillswap.hide")
    assert (entry.user, entry.data["reason"]) == (moderator, "Selling forgeries.")
    # The owner is told once (by marketplace's removal), each reporter once.
    assert Notification.objects.filter(recipient=owner, kind="moderation_decision").count() == 1
    assert (
        Notification.objects.filter(
            recipient__in=[first.reporter, second.reporter], kind="moderation_decision"
        ).count()
        == 2
    )


def test_moderator_warns_the_author(client, moderator):
    # given
    author = UserFactory()
    offer = make_offer(owner=author)
    report("offer", offer)

    # when
    client.post(f"{QUEUE}offer/{offer.pk}/", {"action": "warn", "reason": "Be civil."})

    # then
    warning = MemberWarning.objects.get()
    assert (warning.user, warning.moderator, warning.reason) == (author, moderator, "Be civil.")
    assert logs(author, "skillswap.warn").count() == 1
    note = Notification.objects.get(recipient=author)
    assert "Be civil." in note.body


def test_moderator_suspends_a_reported_member(client, moderator):
    # given
    target = UserFactory()
    report("user", target, reason="harassment")

    # when
    client.post(f"{QUEUE}user/{target.pk}/", {"action": "suspend", "reason": "Threats."})

    # then
    target.refresh_from_db()
    assert (target.is_active, target.suspension_reason) == (False, "Threats.")
    assert logs(target, "skillswap.suspend").count() == 1
    assert Report.objects.get().resolution == "suspended"


def test_a_user_cannot_be_hidden(client, moderator):
    target = UserFactory()
    item = report("user", target)

    client.post(f"{QUEUE}user/{target.pk}/", {"action": "hide", "reason": "No."})

    item.refresh_from_db()
    assert item.status == "open"
    assert ModelLogEntry.objects.filter(action__startswith="skillswap.").count() == 0


def test_action_without_a_reason_changes_nothing(client, moderator):
    offer = make_offer(owner=UserFactory())
    item = report("offer", offer)

    client.post(f"{QUEUE}offer/{offer.pk}/", {"action": "hide", "reason": ""})

    item.refresh_from_db()
    offer.refresh_from_db()
    assert (item.status, offer.status) == ("open", OfferStatus.ACTIVE)


def test_dismiss_closes_the_reports_and_keeps_the_content(client, moderator):
    offer = make_offer(owner=UserFactory())
    item = report("offer", offer)

    client.post(f"{QUEUE}offer/{offer.pk}/", {"action": "dismiss", "reason": ""})

    item.refresh_from_db()
    offer.refresh_from_db()
    assert (item.status, item.resolution, offer.status) == (
        "dismissed",
        "dismissed",
        OfferStatus.ACTIVE,
    )
    assert logs(offer, "skillswap.dismiss").count() == 1


def test_hiding_a_message_closes_messagings_own_reports_too(client, moderator):
    # given: one report through reports/, one through messages/{id}/{id}/report
    ann, bob, cid = UserFactory(), UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    thread.participants.create(user=cid)
    message = send(thread, ann, "Send me your password")
    ours = report("message", message, reporter=bob)
    legacy = messaging_services.message_report(message=message, reporter=cid, reason="scam")
    queue = client.get(QUEUE).content.decode()
    assert queue.count("data-case=") == 1

    # when
    client.post(f"{QUEUE}message/{message.pk}/", {"action": "hide", "reason": "Phishing."})

    # then
    message.refresh_from_db()
    ours.refresh_from_db()
    legacy.refresh_from_db()
    assert message.deleted_at is not None
    assert (ours.status, legacy.status) == ("resolved", MessageReport.Status.REMOVED)
    assert Notification.objects.filter(recipient=ann, kind="moderation_decision").count() == 1


def test_member_history_shows_reports_and_actions(client, moderator):
    target = UserFactory()
    report("user", target)
    client.post(f"{QUEUE}user/{target.pk}/", {"action": "warn", "reason": "Last chance."})

    response = client.get(f"/admin/users/inspect/{target.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Reports about their content" in page
    assert "Last chance." in page


def test_staff_reply_in_the_ticket_admin_notifies_the_member(
    client, moderator, django_capture_on_commit_callbacks
):
    # given
    ticket = TicketFactory(subject="Refund")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/support_tickets/edit/{ticket.pk}/",
            {"status": "resolved", "priority": "high", "assignee": "", "reply": "Refunded."},
        )

    # then
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == ("resolved", "high")
    assert ticket.replies.get().body == "Refunded."
    assert Notification.objects.get(recipient=ticket.member).kind == "ticket_reply"


def test_ticket_listing_for_moderators(client, moderator):
    TicketFactory(subject="Cannot log in")

    response = client.get("/admin/support_tickets/")

    assert response.status_code == 200
    assert "Cannot log in" in response.content.decode()
    assert Ticket.objects.count() == 1
