"""The moderators' side in the Wagtail admin: the "Forum approval" workflow approved or rejected
through Wagtail's own workflow action views, and the thread listing's pin/lock/hide actions."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry, WorkflowState

from community.forums.models import ModerationStatus, Thread
from messaging.models import Notification
from tests.community.forums.factories import moderator, newcomer, thread, veteran

pytestmark = pytest.mark.django_db


def _action_url(pending: Thread, action: str) -> str:
    state = WorkflowState.objects.get(object_id=str(pending.pk))
    return reverse(
        "wagtailsnippets_community_forums_thread:workflow_action",
        args=(pending.pk, action, state.current_task_state.pk),
    )


def test_the_pending_thread_shows_on_the_moderators_dashboard(client):
    # given a new member's thread
    pending = thread(author=newcomer(), title="Is anyone here?")
    staff = moderator()
    client.force_login(staff)

    # when the moderator opens the admin dashboard
    response = client.get(reverse("wagtailadmin_home"))

    # then "awaiting your review" lists the thread
    assert response.status_code == 200
    assert "Is anyone here?" in response.content.decode()
    assert pending.pk


def test_a_moderator_approves_through_the_workflow_action(
    client, django_capture_on_commit_callbacks
):
    # given a new member's pending thread
    pending = thread(author=newcomer())
    staff = moderator()
    client.force_login(staff)

    # when the moderator approves it in the admin
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_action_url(pending, "approve"), {"comment": ""})

    # then it is live and published, the author is told, and the log has the approval
    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.live, pending.moderation_status) == (True, ModerationStatus.PUBLISHED)
    note = Notification.objects.get(recipient=pending.author, kind="moderation_decision")
    assert note.body == "Decision: approved."
    assert ModelLogEntry.objects.filter(
        object_id=str(pending.pk), action="wagtail.workflow.approve", user=staff
    ).exists()
    assert ModelLogEntry.objects.filter(
        object_id=str(pending.pk), action="wagtail.publish"
    ).exists()


def test_a_moderator_rejects_with_a_reason(client, django_capture_on_commit_callbacks):
    # given a new member's pending thread
    pending = thread(author=newcomer(), title="Buy cheap watches")
    staff = moderator()
    client.force_login(staff)

    # when the moderator rejects it with a comment
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_action_url(pending, "reject"), {"comment": "Advertising."})

    # then it stays a draft, rejected; the author gets the reason; the log has who rejected
    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.live, pending.moderation_status) == (False, ModerationStatus.REJECTED)
    note = Notification.objects.get(recipient=pending.author, kind="moderation_decision")
    assert note.title == "A moderator reviewed Buy cheap watches"
    assert note.body == "Decision: rejected. Advertising."
    assert ModelLogEntry.objects.filter(
        object_id=str(pending.pk), action="wagtail.workflow.reject", user=staff
    ).exists()


def test_a_member_cannot_approve(client):
    # given a pending thread and a member who is no moderator
    pending = thread(author=newcomer())
    url = _action_url(pending, "approve")
    client.force_login(veteran())

    # when the member posts the approval
    client.post(url, {"comment": ""})

    # then nothing changed
    pending.refresh_from_db()
    assert (pending.live, pending.moderation_status) == (False, ModerationStatus.PENDING)
    assert Notification.objects.filter(kind="moderation_decision").count() == 0


def test_listing_actions_pin_and_hide(client):
    # given a published thread
    started = thread()
    staff = moderator()
    client.force_login(staff)

    # when the moderator confirms "pin" and "hide" from the listing
    confirm = client.get(reverse("forums_thread_action", args=[started.pk, "pin"]))
    client.post(reverse("forums_thread_action", args=[started.pk, "pin"]))
    client.post(reverse("forums_thread_action", args=[started.pk, "hide"]))

    # then the thread is pinned and hidden and both are on its history
    assert confirm.status_code == 200
    started.refresh_from_db()
    assert (started.pinned, started.hidden) == (True, True)
    history = client.get(
        reverse("wagtailsnippets_community_forums_thread:history", args=[started.pk])
    )
    assert history.status_code == 200
    assert "Thread pinned" in history.content.decode()


def test_a_member_cannot_use_listing_actions(client):
    started = thread()
    client.force_login(veteran())

    response = client.post(reverse("forums_thread_action", args=[started.pk, "hide"]))

    assert response.status_code in (302, 403)
    started.refresh_from_db()
    assert started.hidden is False


def test_the_thread_listing_renders_for_moderators(client):
    thread()
    thread(author=newcomer())
    client.force_login(moderator())

    response = client.get(reverse("wagtailsnippets_community_forums_thread:list"))

    assert response.status_code == 200
