"""A reported-message row links to its review form."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from messaging import services
from tests.accounts.factories import UserFactory, user_with_role
from tests.messaging.factories import pair_thread, send

pytestmark = pytest.mark.django_db


def _report(text: str):
    ann, bob = UserFactory(), UserFactory()
    message = send(pair_thread(ann, bob), ann, text)
    return services.message_report(message=message, reporter=bob, reason="scam")


def test_each_reported_message_links_to_its_review_form(client):
    # given
    report = _report("Send me your password now")
    client.force_login(user_with_role(Role.MODERATOR))

    # when
    response = client.get("/admin/message_reports/")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="/admin/message_reports/edit/{report.pk}/"' in html
    link = html.index(f'href="/admin/message_reports/edit/{report.pk}/"')
    assert "Send me your password now" in html[link : link + 400]


def test_the_reports_list_runs_constant_queries(client, django_assert_max_num_queries):
    # given
    client.force_login(user_with_role(Role.MODERATOR))
    _report("first")
    client.get("/admin/message_reports/")
    with django_assert_max_num_queries(100) as captured:
        client.get("/admin/message_reports/")
    baseline = len(captured.captured_queries)
    for index in range(8):
        _report(f"more {index}")

    # when / then
    with django_assert_max_num_queries(baseline):
        response = client.get("/admin/message_reports/")
    assert response.status_code == 200
