"""reports/, support/tickets/, admin/tickets/ and admin/friends/ through the API."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts.roles import Role
from community.moderation.models import Report, Ticket, TicketReply
from messaging.models import Notification
from tests.accounts.factories import UserFactory, user_with_role
from tests.community.moderation.factories import TicketFactory
from tests.marketplace.factories import make_offer
from tests.messaging.factories import pair_thread, send

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/reports/"
TICKETS = "/api/v1/support/tickets/"
ADMIN_TICKETS = "/api/v1/admin/tickets/"
FRIENDS = "/api/v1/admin/friends/"


def moderator():
    return user_with_role(Role.MODERATOR, is_staff=True)


# --- reports -----------------------------------------------------------------------------------


def test_member_reports_an_offer(make_auth_client):
    # given
    offer = make_offer(owner=UserFactory(), title="Cheap essays")
    reporter = UserFactory()

    # when
    response = make_auth_client(reporter).post(
        REPORTS,
        {"target_type": "offer", "target_id": offer.pk, "reason": "scam", "details": "Fake"},
    )

    # then
    assert response.status_code == 201
    body = response.json()
    assert (body["target_type"], body["target_id"], body["reason"], body["status"]) == (
        "offer",
        offer.pk,
        "scam",
        "open",
    )
    assert body["target_label"] == "Cheap essays"
    report = Report.objects.get()
    assert (report.reporter, report.target_author) == (reporter, offer.owner)
    offer.refresh_from_db()
    assert offer.report_count == 1


def test_second_report_of_the_same_target_returns_the_first(make_auth_client):
    # given
    target = UserFactory()
    client = make_auth_client(UserFactory())
    first = client.post(REPORTS, {"target_type": "user", "target_id": target.pk, "reason": "spam"})

    # when
    second = client.post(
        REPORTS, {"target_type": "user", "target_id": target.pk, "reason": "harassment"}
    )

    # then
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["reason"] == "spam"
    assert Report.objects.count() == 1


def test_member_reports_a_message_of_their_thread(make_auth_client):
    # given
    ann, bob = UserFactory(), UserFactory()
    message = send(pair_thread(ann, bob), ann, "Send me your password")

    # when
    response = make_auth_client(bob).post(
        REPORTS, {"target_type": "message", "target_id": message.pk, "reason": "scam"}
    )

    # then
    assert response.status_code == 201
    assert Report.objects.get().target_author == ann


def test_message_of_another_thread_is_not_found(make_auth_client):
    # given
    ann, bob = UserFactory(), UserFactory()
    message = send(pair_thread(ann, bob), ann, "Private")

    # when
    response = make_auth_client(UserFactory()).post(
        REPORTS, {"target_type": "message", "target_id": message.pk, "reason": "scam"}
    )

    # then
    assert response.status_code == 404
    assert Report.objects.count() == 0


def test_reporting_own_content_is_refused(make_auth_client):
    # given
    owner = UserFactory()
    offer = make_offer(owner=owner)

    # when
    response = make_auth_client(owner).post(
        REPORTS, {"target_type": "offer", "target_id": offer.pk, "reason": "spam"}
    )

    # then
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["target_id"]
    assert Report.objects.count() == 0


def test_unknown_kind_and_unknown_field_are_refused(make_auth_client):
    client = make_auth_client(UserFactory())

    kind = client.post(REPORTS, {"target_type": "planet", "target_id": 1, "reason": "spam"})
    extra = client.post(
        REPORTS, {"target_type": "user", "target_id": 1, "reason": "spam", "colour": "red"}
    )

    assert kind.status_code == 400
    assert list(kind.json()["error"]["fields"]) == ["target_type"]
    assert extra.status_code == 400
    assert extra.json()["error"]["fields"] == {"colour": ["This field is not known."]}
    assert Report.objects.count() == 0


def test_refusal_is_in_arabic(make_auth_client):
    owner = UserFactory()
    response = make_auth_client(owner).post(
        REPORTS,
        {"target_type": "user", "target_id": owner.pk, "reason": "spam"},
        HTTP_ACCEPT_LANGUAGE="ar",
    )

    assert response.status_code == 400
    assert (
        response.json()["error"]["fields"]["target_id"] == ["You cannot report your own content."]
        or response.json()["error"]["fields"]["target_id"][0] != ""
    )
    assert Report.objects.count() == 0


def test_member_lists_only_own_reports(make_auth_client):
    # given
    mine, theirs = UserFactory(), UserFactory()
    target = UserFactory()
    make_auth_client(mine).post(
        REPORTS, {"target_type": "user", "target_id": target.pk, "reason": "spam"}
    )
    make_auth_client(theirs).post(
        REPORTS, {"target_type": "user", "target_id": target.pk, "reason": "spam"}
    )

    # when
    response = make_auth_client(mine).get(REPORTS)

    # then
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_anonymous_cannot_report(api_client):
    response = api_client.post(REPORTS, {"target_type": "user", "target_id": 1, "reason": "spam"})

    assert response.status_code == 401
    assert Report.objects.count() == 0


# --- the member's tickets ----------------------------------------------------------------------


def test_member_opens_a_ticket_and_lists_it(make_auth_client):
    # given
    member = UserFactory()
    client = make_auth_client(member)

    # when
    created = client.post(
        TICKETS,
        {"subject": "Points missing", "body": "I paid but got none.", "category": "payments"},
    )
    listed = client.get(TICKETS)

    # then
    assert created.status_code == 201
    assert created.json()["status"] == "open"
    assert created.json()["priority"] == "normal"
    assert created.json()["replies"] == []
    assert [row["subject"] for row in listed.json()["results"]] == ["Points missing"]
    assert Ticket.objects.get().member == member


def test_member_cannot_read_another_members_ticket(make_auth_client):
    ticket = TicketFactory()

    response = make_auth_client(UserFactory()).get(f"{TICKETS}{ticket.pk}/")
    reply = make_auth_client(UserFactory()).post(f"{TICKETS}{ticket.pk}/replies", {"body": "Hi"})

    assert (response.status_code, reply.status_code) == (404, 404)
    assert TicketReply.objects.count() == 0


def test_member_reply_reopens_a_pending_ticket(make_auth_client):
    # given
    ticket = TicketFactory(status="pending")

    # when
    response = make_auth_client(ticket.member).post(
        f"{TICKETS}{ticket.pk}/replies", {"body": "It still fails."}
    )

    # then
    assert response.status_code == 201
    assert response.json()["status"] == "open"
    assert [r["body"] for r in response.json()["replies"]] == ["It still fails."]


def test_reply_to_a_closed_ticket_is_a_conflict(make_auth_client):
    ticket = TicketFactory(status="closed")

    response = make_auth_client(ticket.member).post(
        f"{TICKETS}{ticket.pk}/replies", {"body": "Hello?"}
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "ticket_closed"
    assert TicketReply.objects.count() == 0


# --- staff: admin/tickets/ ---------------------------------------------------------------------


def test_member_cannot_list_every_ticket(make_auth_client):
    TicketFactory()

    response = make_auth_client(UserFactory()).get(ADMIN_TICKETS)

    assert response.status_code == 403


def test_moderator_filters_tickets(make_auth_client):
    # given
    staff = moderator()
    TicketFactory(subject="Refund please", priority="high", status="open")
    TicketFactory(subject="Login", priority="low", status="open")
    TicketFactory(subject="Old", priority="high", status="closed")

    # when
    response = make_auth_client(staff).get(
        ADMIN_TICKETS, {"status": "open", "priority": "high", "assignee": "none"}
    )

    # then
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["subject"] for row in rows] == ["Refund please"]
    assert set(rows[0]) >= {"user", "user_email", "assignee", "status", "priority"}


def test_moderator_assigns_and_replies_and_the_member_is_told(
    make_auth_client, django_capture_on_commit_callbacks
):
    # given
    staff = moderator()
    ticket = TicketFactory(subject="Points missing")
    client = make_auth_client(staff)

    # when
    patched = client.patch(
        f"{ADMIN_TICKETS}{ticket.pk}/", {"assignee_id": staff.pk, "priority": "urgent"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        replied = client.post(f"{ADMIN_TICKETS}{ticket.pk}/replies", {"body": "Credited now."})

    # then
    assert patched.status_code == 200
    assert (patched.json()["assignee"]["id"], patched.json()["priority"]) == (staff.pk, "urgent")
    assert replied.status_code == 201
    assert replied.json()["status"] == "pending"
    note = Notification.objects.get(recipient=ticket.member)
    assert note.kind == "ticket_reply"
    assert "Points missing" in note.title
    assert [m.to for m in mail.outbox] == [[ticket.member.email]]


def test_assigning_a_member_is_refused(make_auth_client):
    ticket = TicketFactory()

    response = make_auth_client(moderator()).patch(
        f"{ADMIN_TICKETS}{ticket.pk}/", {"assignee_id": UserFactory().pk}
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["assignee_id"]
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_member_sees_support_not_the_staff_name(make_auth_client):
    # given
    staff = moderator()
    ticket = TicketFactory()
    make_auth_client(staff).post(f"{ADMIN_TICKETS}{ticket.pk}/replies", {"body": "Done."})

    # when
    response = make_auth_client(ticket.member).get(f"{TICKETS}{ticket.pk}/")

    # then
    assert response.json()["replies"][0]["author"] == {"id": None, "name": "Support"}


# --- staff: admin/friends/ -----------------------------------------------------------------------


def test_moderator_lists_experts_with_their_figures(make_auth_client):
    # given
    expert = user_with_role(Role.EXPERT, first_name="Sara")
    user_with_role(Role.MEMBER)
    reporter = UserFactory()
    make_auth_client(reporter).post(
        REPORTS, {"target_type": "user", "target_id": expert.pk, "reason": "spam"}
    )

    # when
    response = make_auth_client(moderator()).get(FRIENDS, {"search": "Sara"})

    # then
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert (row["id"], row["session_count"], row["points_earned"], row["open_reports"]) == (
        expert.pk,
        0,
        0,
        1,
    )


def test_friends_list_query_count_does_not_grow(make_auth_client, django_assert_max_num_queries):
    client = make_auth_client(moderator())
    for _ in range(3):
        user_with_role(Role.EXPERT)
    with django_assert_max_num_queries(8):
        small = client.get(FRIENDS)
    for _ in range(6):
        user_with_role(Role.EXPERT)
    with django_assert_max_num_queries(8):
        large = client.get(FRIENDS)

    assert (small.json()["count"], large.json()["count"]) == (3, 9)


def test_member_cannot_list_friends(make_auth_client):
    response = make_auth_client(user_with_role(Role.EXPERT)).get(FRIENDS)

    assert response.status_code == 403
