"""Seed 004 ("HumanLink") admin tools: ``GET admin/friends/`` and ``GET admin/tickets/``, as the
document writes them (Admin/Manager authentication), and seed 004's reports of a user.

The document gives these two paths and who may call them, no fields: the answers follow its list
conventions (``page``, ``page_size``, ``search``, ``ordering``) and docs/api.md's field lists.
"""

from __future__ import annotations

import pytest

from accounts.roles import Role
from community.moderation.models import Report, Ticket
from tests.accounts.factories import user_with_role
from tests.community.moderation.factories import TicketFactory
from tests.seeds.helpers import items, url

pytestmark = pytest.mark.django_db


def test_admin_lists_friends_with_sessions_rating_points_and_reports(client_for, staff):
    # given two experts ("friends") and a plain member
    sarah = user_with_role(Role.EXPERT, first_name="Sarah", last_name="Lee")
    user_with_role(Role.EXPERT, first_name="Omar", last_name="Ali")
    user_with_role(Role.MEMBER, first_name="Not", last_name="Expert")

    # when
    response = client_for(staff).get(
        url("admin/friends/"), {"search": "Sarah", "ordering": "-rating_average", "page_size": 10}
    )

    # then
    assert response.status_code == 200
    (friend,) = items(response)
    assert friend["id"] == sarah.pk
    assert friend["name"] == "Sarah Lee"
    assert set(friend) >= {
        "rating",
        "rating_count",
        "session_count",
        "points_earned",
        "open_reports",
    }


def test_manager_reads_the_support_tickets_dashboard(client_for):
    # given a manager (seed 004's moderator) and two tickets
    manager = user_with_role(Role.MODERATOR, is_staff=True)
    TicketFactory(subject="Refund", status="open", priority="high")
    TicketFactory(subject="Closed one", status="closed")

    # when
    response = client_for(manager).get(url("admin/tickets/"), {"status": "open", "search": "Ref"})

    # then
    assert response.status_code == 200
    assert [row["subject"] for row in items(response)] == ["Refund"]
    assert Ticket.objects.count() == 2


def test_a_normal_user_is_refused_both_admin_tools(client_for, member):
    friends = client_for(member).get(url("admin/friends/"))
    tickets = client_for(member).get(url("admin/tickets/"))

    assert (friends.status_code, tickets.status_code) == (403, 403)


def test_member_reports_a_user(client_for, member, other_member):
    response = client_for(member).post(
        url("reports/"),
        {"target_type": "user", "target_id": other_member.pk, "reason": "harassment"},
        format="json",
    )

    assert response.status_code == 201
    assert Report.objects.get().target_author == other_member
