"""The report form, the support form and the member's tickets, through Django's test client."""

from __future__ import annotations

import pytest

from community.moderation.models import Report, Ticket, TicketReply
from tests.accounts.factories import UserFactory
from tests.community.moderation.factories import TicketFactory, TicketReplyFactory
from tests.marketplace.factories import make_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_report_form_shows_the_target(client, member):
    offer = make_offer(owner=UserFactory(), title="Guitar lessons")

    response = client.get(f"/en/report/?target=offer:{offer.pk}")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Guitar lessons" in page
    assert 'name="reason"' in page


def test_report_form_creates_the_report_and_goes_back(client, member):
    offer = make_offer(owner=UserFactory())

    response = client.post(
        "/en/report/", {"target": f"offer:{offer.pk}", "reason": "spam", "details": "Ads"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/en/offers/{offer.pk}/"
    report = Report.objects.get()
    assert (report.reporter, report.reason, report.details) == (member, "spam", "Ads")


def test_report_form_without_a_reason_changes_nothing(client, member):
    offer = make_offer(owner=UserFactory())

    response = client.post("/en/report/", {"target": f"offer:{offer.pk}", "reason": ""})

    assert response.status_code == 400
    assert Report.objects.count() == 0


@pytest.mark.parametrize("target", ["", "offer", "offer:0", "planet:1", "offer:99999999"])
def test_report_form_with_a_bad_target_is_not_found(client, member, target):
    response = client.get("/en/report/", {"target": target})

    assert response.status_code == 404


def test_report_form_needs_sign_in(client):
    offer = make_offer(owner=UserFactory())

    response = client.get(f"/en/report/?target=offer:{offer.pk}")

    assert response.status_code == 302


def test_report_form_in_arabic(client, member):
    offer = make_offer(owner=UserFactory())

    response = client.get(f"/ar/report/?target=offer:{offer.pk}")

    assert response.status_code == 200
    assert 'dir="rtl"' in response.content.decode()


def test_support_form_opens_a_ticket(client, member):
    response = client.post(
        "/en/support/", {"subject": "Help", "body": "My points vanished.", "category": "payments"}
    )

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/me/tickets/{ticket.pk}/"
    assert (ticket.member, ticket.category) == (member, "payments")


def test_support_form_with_blank_subject_changes_nothing(client, member):
    response = client.post("/en/support/", {"subject": " ", "body": "x", "category": "other"})

    assert response.status_code == 400
    assert Ticket.objects.count() == 0


def test_ticket_list_query_count_does_not_grow(client, member, django_assert_num_queries):
    TicketFactory(member=member)
    client.get("/en/me/tickets/")  # warm caches (site, locale)
    with django_assert_num_queries(_count(client)) as small:
        client.get("/en/me/tickets/")
    for _ in range(5):
        TicketReplyFactory(ticket=TicketFactory(member=member))

    with django_assert_num_queries(len(small)):
        response = client.get("/en/me/tickets/")

    assert response.content.decode().count("/en/me/tickets/") >= 6


def _count(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get("/en/me/tickets/")
    return len(queries)


def test_member_replies_on_the_ticket_page(client, member):
    ticket = TicketFactory(member=member, status="pending")

    response = client.post(f"/en/me/tickets/{ticket.pk}/", {"body": "Still broken."})

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert TicketReply.objects.get().body == "Still broken."


def test_another_members_ticket_is_not_found(client, member):
    ticket = TicketFactory()

    response = client.get(f"/en/me/tickets/{ticket.pk}/")
    posted = client.post(f"/en/me/tickets/{ticket.pk}/", {"body": "Hi"})

    assert (response.status_code, posted.status_code) == (404, 404)
    assert TicketReply.objects.count() == 0
