"""The demo's moderation data: two open reports and two tickets, once however often it runs."""

from __future__ import annotations

import io

import pytest

from accounts.demo import member_email
from community.moderation import demo
from community.moderation.models import Report, Ticket
from demo.context import DemoContext
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import make_offer

pytestmark = pytest.mark.django_db


def test_seed_makes_two_reports_and_two_tickets_once():
    # given the demo's members and an offer
    members = [UserFactory(email=member_email(index)) for index in range(1, 4)]
    make_offer(owner=members[2])
    context = DemoContext(users=3, stdout=io.StringIO())

    # when
    demo.seed(context)
    demo.seed(context)

    # then
    assert Report.objects.filter(status="open").count() == 2
    assert Ticket.objects.count() == 2
    assert context.created == {"reports": 2, "support tickets": 2}
