"""Moderators see reported messages in the Wagtail admin and resolve them there."""

import pytest
from django.contrib.auth.models import Group

from messaging import services
from messaging.models import MessageReport, Notification
from tests.accounts.factories import UserFactory
from tests.messaging.factories import pair_thread, send

pytestmark = pytest.mark.django_db

LISTING = "/admin/message_reports/"


@pytest.fixture
def moderator(client):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(user)
    return user


@pytest.fixture
def report():
    ann, bob = UserFactory(), UserFactory()
    message = send(pair_thread(ann, bob), ann, "Send me your password now")
    return services.message_report(message=message, reporter=bob, reason="scam")


def test_moderator_sees_reported_messages(client, moderator, report):
    response = client.get(LISTING)

    assert response.status_code == 200
    assert "Send me your password now" in response.content.decode()
    assert "Scam or fraud" in response.content.decode()


def test_member_cannot_open_the_listing(client, report):
    client.force_login(UserFactory())

    response = client.get(LISTING)

    assert response.status_code in {302, 403}


def test_moderator_removes_the_message_through_the_edit_form(client, moderator, report):
    # when
    response = client.post(
        f"{LISTING}edit/{report.pk}/",
        {"status": "removed", "moderator_note": "Phishing."},
    )

    # then
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.moderator_id) == ("removed", moderator.pk)
    assert report.message.deleted_at is not None
    assert report.message.removed_by_moderator is True
    assert Notification.objects.filter(kind="moderation_decision").count() == 2


def test_nobody_adds_reports_in_the_admin(client, moderator):
    assert client.get(f"{LISTING}new/").status_code in {302, 403}
    assert MessageReport.objects.count() == 0
