"""Staff analytics in the Wagtail admin: figures, charts, CSV export, who may see them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from wagtail.users.models import UserProfile

from accounts.roles import Role
from billing.models import PaymentStatus
from community.moderation.models import ReportStatus
from core import request_timing
from dashboards import analytics, charts
from exchanges.models import Swap
from marketplace.models import Offer
from rewards.services import points_transfer
from tests.accounts.factories import UserFactory, user_with_role
from tests.billing.factories import PaymentFactory
from tests.community.moderation.factories import ReportFactory, TicketFactory
from tests.exchanges.factories import SwapFactory
from tests.marketplace.factories import CategoryFactory, make_offer
from tests.rewards.factories import funded_user

pytestmark = pytest.mark.django_db

URL = "/admin/analytics/"


@pytest.fixture(autouse=True)
def _no_earlier_timings():
    """Latency counts other tests left pending in this process are written, then forgotten."""
    from django.core.cache import cache

    request_timing.flush()
    cache.clear()


def analytics_permission() -> Permission:
    """``dashboards.view_analytics``, created if the dashboards migration has not made it yet."""
    found = Permission.objects.filter(
        content_type__app_label="dashboards", codename="view_analytics"
    ).first()
    if found:
        return found
    content_type, _created = ContentType.objects.get_or_create(
        app_label="dashboards", model="analytics"
    )
    return Permission.objects.create(
        content_type=content_type, codename="view_analytics", name="Can view staff analytics"
    )


@pytest.fixture
def analyst(client):
    user = user_with_role(Role.MODERATOR, is_staff=True)
    user.user_permissions.add(analytics_permission())
    client.force_login(user)
    return user


@pytest.fixture
def activity():
    """A little of everything, all of it today."""
    music = CategoryFactory(name_en="Music", name_ar="موسيقى")
    cooking = CategoryFactory(name_en="Cooking", name_ar="طبخ")
    owner = UserFactory(last_login=timezone.now())
    make_offer(owner=owner, category=music)
    make_offer(owner=owner, category=music)
    make_offer(owner=owner, category=cooking)
    SwapFactory(status=Swap.Status.COMPLETED, category=music)
    SwapFactory(status=Swap.Status.COMPLETED, category=music)
    SwapFactory(status=Swap.Status.CANCELLED, category=cooking)
    SwapFactory(status=Swap.Status.PENDING)
    payer = funded_user(50)
    points_transfer(source=payer, target=owner, amount=20, reason="tip")
    PaymentFactory(gateway="stripe", status=PaymentStatus.SUCCEEDED)
    PaymentFactory(gateway="stripe", status=PaymentStatus.FAILED)
    PaymentFactory(gateway="stripe", status=PaymentStatus.PENDING)
    PaymentFactory(gateway="paypal", status=PaymentStatus.REFUNDED, currency="EUR")
    ReportFactory(reason="spam")
    ReportFactory(reason="scam", status=ReportStatus.DISMISSED)
    TicketFactory(category="payments")
    request_timing.record(name="api_v1:offers-list", method="GET", duration_ns=40_000_000)
    request_timing.record(name="api_v1:health", method="GET", duration_ns=2_000_000)


def today() -> analytics.Period:
    return analytics.Period.last_days(7)


def test_report_counts_every_section(activity):
    # when
    report = analytics.analytics_report(period=today())

    # then
    tables = report.tables
    assert report.totals["offers"] == 3
    assert report.totals["swaps"] == 4
    # 2 completed out of 3 finished (the pending one is still open)
    assert report.totals["completion_rate"] == pytest.approx(2 / 3)
    assert report.totals["points_issued"] == 50
    assert report.totals["points_spent"] == 20
    assert (report.totals["open_reports"], report.totals["open_tickets"]) == (1, 1)
    assert report.totals["signups"] == report.tables["daily"].rows[-1][1]
    assert report.totals["active_members"] >= 1
    assert tables["points_issued"].rows == [["Staff grant", 50]]
    assert tables["points_spent"].rows == [["Tip", 20]]
    assert tables["payments"].rows == [
        ["paypal", 1, 1, 0, 0, 1.0],
        ["stripe", 3, 1, 1, 1, 0.5],
    ]
    assert [row[:3] for row in tables["purchases"].rows] == [
        ["paypal", "EUR", 1],
        ["stripe", "USD", 1],
    ]
    assert tables["categories"].rows == [["Music", 2, 2], ["Cooking", 1, 1]]
    assert ["Report", "Spam", 1, 1] in tables["moderation"].rows
    assert ["Report", "Scam or fraud", 0, 1] in tables["moderation"].rows
    assert ["Ticket", "Payments and points", 1, 1] in tables["moderation"].rows
    assert [row[:3] for row in tables["latency"].rows] == [
        ["api_v1:offers-list", "GET", 1],
        ["api_v1:health", "GET", 1],
    ]


def test_active_members_count_sign_ins_and_actions_once():
    # given: one member signed in and offered, one only requested a swap, one did nothing
    both = UserFactory(last_login=timezone.now())
    make_offer(owner=both)
    requester = UserFactory(last_login=timezone.now() - dt.timedelta(days=40))
    SwapFactory(requester=requester)
    idle = UserFactory(last_login=timezone.now() - dt.timedelta(days=40))
    responder_ids = set(Swap.objects.values_list("responder_id", flat=True))

    # when
    count = analytics.active_member_count(today())

    # then: the swap's responder has not answered yet
    assert count == 2
    assert idle.pk not in responder_ids


def test_older_rows_fall_outside_the_period():
    # given
    offer = make_offer()
    Offer.objects.filter(pk=offer.pk).update(created_at=timezone.now() - dt.timedelta(days=20))

    # when
    week = analytics.analytics_report(period=today())
    month = analytics.analytics_report(period=analytics.Period.last_days(30))

    # then
    assert (week.totals["offers"], month.totals["offers"]) == (0, 1)


def test_dashboard_renders_for_staff_with_every_section(client, analyst, activity):
    # when
    response = client.get(URL, {"days": 7})

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert '<dd data-total="offers">3</dd>' in page
    assert '<dd data-total="completion_rate">66.7%</dd>' in page
    for key in ("daily", "swaps", "points_issued", "points_spent", "payments", "categories"):
        assert f'data-chart="{key}"' in page
    for key in analytics_tables():
        assert f'data-table="{key}"' in page
        assert f'data-csv="{key}"' in page
    assert page.count("<svg") >= 7
    charts = page[page.index('data-chart="daily"') : page.index('data-table="swaps"')]
    assert "<script" not in charts
    assert "api_v1:offers-list" in page
    assert "Music" in page


def analytics_tables() -> list[str]:
    return [
        "daily",
        "swaps",
        "points_issued",
        "points_spent",
        "payments",
        "purchases",
        "categories",
        "moderation",
        "latency",
    ]


def test_dashboard_reads_right_to_left_in_arabic(client, analyst, activity):
    # given
    analyst.language = "ar"
    analyst.save(update_fields=["language"])
    profile = UserProfile.get_for_user(analyst)
    profile.preferred_language = "ar"
    profile.save()

    # when
    response = client.get(URL, {"days": 7})

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert 'dir="rtl"' in page
    svg = page[page.index('data-chart="categories"') : page.index('data-table="categories"')]
    # Music (more offers) comes first in reading order: at the right, so later in the SVG.
    assert svg.index("طبخ") < svg.index("موسيقى")


def test_dashboard_query_count_does_not_grow(
    client, analyst, django_assert_num_queries, monkeypatch
):
    # given: charts drawn elsewhere in these tests (they make no query and take the time here)
    monkeypatch.setattr(charts, "report_charts", lambda report: defaultdict(str))
    make_offer()
    SwapFactory(status=Swap.Status.COMPLETED)
    client.get(URL)
    with django_assert_num_queries(QUERIES):
        client.get(URL)

    for _ in range(3):
        make_offer(category=CategoryFactory())
        SwapFactory(status=Swap.Status.CANCELLED, category=CategoryFactory())
        PaymentFactory(gateway="paymob", status=PaymentStatus.SUCCEEDED)
        ReportFactory()
        TicketFactory()

    # when / then
    with django_assert_num_queries(QUERIES):
        response = client.get(URL)
    assert response.status_code == 200


# 13 of the report (analytics_report's docstring) and the admin's own (session, user, menu...).
QUERIES = 23


def test_csv_export_has_a_bom_and_the_table(client, analyst, activity):
    # when
    response = client.get(URL, {"format": "csv", "table": "categories", "days": 7})

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="analytics-categories-')
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows == [["Category", "Offers", "Swaps"], ["Music", "2", "2"], ["Cooking", "1", "1"]]


def test_csv_export_writes_arabic_and_neutralises_formulas(client, analyst):
    # given
    make_offer(category=CategoryFactory(name_en="=HYPERLINK(1)", name_ar="طبخ"))

    # when
    response = client.get(
        URL, {"format": "csv", "table": "categories", "days": 7}, HTTP_ACCEPT_LANGUAGE="ar"
    )
    payments = client.get(URL, {"format": "csv", "table": "payments", "days": 7})

    # then
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8")[1:])))
    assert rows[1][0].startswith("'=") or rows[1][0] == "طبخ"
    assert payments.content.decode("utf-8").splitlines()[0].endswith("Success rate")


def test_csv_export_of_an_unknown_table_is_a_404(client, analyst):
    response = client.get(URL, {"format": "csv", "table": "passwords"})

    assert response.status_code == 404


def test_a_bad_period_falls_back_to_30_days_and_says_why(client, analyst):
    # when
    response = client.get(URL, {"date_from": "9999-12-31", "date_to": "2026-01-01"})

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose a date between 2000 and 2200." in page
    first = timezone.localdate() - dt.timedelta(days=29)
    assert f"date_from={first.isoformat()}" in page


def test_from_to_dates_choose_the_period(client, analyst):
    # given
    offer = make_offer()
    Offer.objects.filter(pk=offer.pk).update(created_at=dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC))

    # when
    response = client.get(URL, {"date_from": "2026-03-01", "date_to": "2026-03-31"})

    # then
    assert '<dd data-total="offers">1</dd>' in response.content.decode()


def test_staff_without_the_permission_are_refused_by_wagtail(client):
    # given
    client.force_login(user_with_role(Role.MODERATOR, is_staff=True))

    # when
    response = client.get(URL)
    csv_response = client.get(URL, {"format": "csv", "table": "payments"})

    # then: Wagtail's refusal of a permission: back to the admin's home with a message
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert (csv_response.status_code, csv_response["Location"]) == (302, "/admin/")
    page = client.get("/admin/").content.decode()
    assert "Sorry, you do not have permission to access this area." in page


def test_members_are_refused_by_wagtail(client):
    client.force_login(UserFactory())

    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={URL}"


def test_menu_shows_analytics_only_with_the_permission(client, analyst):
    # when
    with_permission = client.get("/admin/").content.decode()
    client.force_login(user_with_role(Role.MODERATOR, is_staff=True))
    without = client.get("/admin/").content.decode()

    # then
    assert URL in with_permission
    assert URL not in without


def test_the_report_takes_13_queries_whatever_the_rows(activity, django_assert_num_queries):
    with django_assert_num_queries(13):
        analytics.analytics_report(period=today())


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, "The end date comes before"),
        ({"date_from": "2024-01-01", "date_to": "2026-01-01"}, "A period is at most 366 days."),
        ({"date_from": "2026-03-10"}, "Give both dates, or neither."),
        ({"days": "12"}, "Select a valid choice."),
    ],
)
def test_a_refused_period_is_explained_and_the_default_shown(client, analyst, params, error):
    # when
    response = client.get(URL, params)

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert error in page
    assert f"date_from={(timezone.localdate() - dt.timedelta(days=29)).isoformat()}" in page
