"""Factories of moderation: reports and support tickets."""

from __future__ import annotations

import factory

from community.moderation.models import Report, ReportReason, Ticket, TicketReply
from tests.accounts.factories import UserFactory


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    member = factory.SubFactory(UserFactory)
    subject = factory.Sequence(lambda n: f"Help with my account {n}")
    body = "I cannot change my e-mail address."
    category = "account"


class TicketReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketReply

    ticket = factory.SubFactory(TicketFactory)
    author = factory.SelfAttribute("ticket.member")
    body = "Any news?"
    is_staff = False


class ReportFactory(factory.django.DjangoModelFactory):
    """A raw report row (tests of the API go through ``report_create``)."""

    class Meta:
        model = Report

    reporter = factory.SubFactory(UserFactory)
    target_type = "user"
    target_id = factory.LazyFunction(lambda: UserFactory().pk)
    reason = ReportReason.SPAM
