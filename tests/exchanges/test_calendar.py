"""Google Calendar sync through a fake Google at the HTTP transport, and the signed ICS feed."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.utils import timezone
from icalendar import Calendar

from exchanges import google_calendar, services
from exchanges.models import Swap
from tests.accounts.factories import UserFactory
from tests.exchanges.factories import at, expert
from tests.exchanges.fake_google import FakeGoogle

pytestmark = pytest.mark.django_db

SCOPES = [
    "email",
    "https://www.googleapis.com/auth/calendar.events",
    "openid",
    "profile",
]


@pytest.fixture
def google(monkeypatch, settings):
    settings.GOOGLE_CLIENT_ID = "1234.apps.googleusercontent.com"
    settings.GOOGLE_CLIENT_SECRET = "client-secret"
    fake = FakeGoogle()
    monkeypatch.setattr(google_calendar, "transport_factory", lambda: fake)
    return fake


def link_google(fake: FakeGoogle, user, *, expired: bool = True) -> None:
    """The user signed in with Google and granted calendar.events (tokens as allauth keeps them)."""
    account = SocialAccount.objects.create(
        user=user, provider="google", uid=f"10{user.pk:08d}", extra_data={"granted_scopes": SCOPES}
    )
    access, refresh = f"ya29.old-{user.pk}", f"1//refresh-{user.pk}"
    SocialToken.objects.create(
        account=account,
        token=access,
        token_secret=refresh,
        expires_at=timezone.now() + dt.timedelta(minutes=-5 if expired else 30),
    )
    fake.grant(owner=user.email, access_token=access, refresh_token=refresh)


def accepted_swap() -> Swap:
    swap = services.swap_create(
        requester=UserFactory(),
        responder=expert(),
        scheduled_start=at(30),
        title="Guitar basics",
        location="",
    )
    return services.swap_accept(swap=swap, actor=swap.responder)


def test_sync_creates_an_event_for_each_linked_participant(google, make_auth_client):
    # given both linked Google, the requester's access token has expired
    swap = services.swap_create(
        requester=UserFactory(), responder=expert(), scheduled_start=at(30), title="Guitar basics"
    )
    link_google(google, swap.requester, expired=True)
    link_google(google, swap.responder, expired=False)
    services.swap_accept(swap=swap, actor=swap.responder)  # its task waits for a commit

    # when
    response = make_auth_client(swap.requester).post(f"/api/v1/swaps/{swap.pk}/sync-calendar")

    # then
    assert response.status_code == 200, response.json()
    results = response.json()["results"]
    assert [(r["role"], r["status"], r["mine"]) for r in results] == [
        ("requester", "created", True),
        ("responder", "created", False),
    ]
    mine = results[0]
    assert mine["html_link"].startswith("https://www.google.com/calendar/event?eid=")
    assert results[1]["event_id"] is None  # the other party's calendar is theirs
    swap.refresh_from_db()
    assert swap.requester_calendar_event_id == mine["event_id"]
    # the expired access token was refreshed once, with the stored refresh token
    refreshes = google.calls("POST", "oauth2.googleapis.com/token")
    assert len(refreshes) == 1
    assert refreshes[0].body["grant_type"] == "refresh_token"
    assert refreshes[0].body["refresh_token"] == f"1//refresh-{swap.requester_id}"
    stored = SocialToken.objects.get(account__user=swap.requester)
    assert stored.token.startswith("ya29.")
    assert stored.token != f"ya29.old-{swap.requester_id}"
    assert stored.expires_at > timezone.now()
    event = google.events(swap.requester.email)[mine["event_id"]]
    assert event["summary"] == "Guitar basics"
    assert event["start"] == {"dateTime": swap.scheduled_start.isoformat(), "timeZone": "UTC"}
    assert event["end"] == {"dateTime": swap.scheduled_end.isoformat(), "timeZone": "UTC"}
    assert event["extendedProperties"] == {"private": {"skillswapSwapId": str(swap.pk)}}


def test_accept_creates_events_automatically_after_commit(
    google, django_capture_on_commit_callbacks
):
    swap = services.swap_create(requester=UserFactory(), responder=expert(), scheduled_start=at(30))
    link_google(google, swap.requester)

    with django_capture_on_commit_callbacks(execute=True):
        services.swap_accept(swap=swap, actor=swap.responder)

    swap.refresh_from_db()
    assert swap.requester_calendar_event_id
    assert swap.responder_calendar_event_id == ""  # not linked
    assert list(google.events(swap.requester.email)) == [swap.requester_calendar_event_id]
    assert len(google.calls("POST", "/events")) == 1


def test_reschedule_updates_and_cancel_deletes_the_events(
    google, django_capture_on_commit_callbacks
):
    # given an accepted swap with an event in the requester's calendar
    swap = services.swap_create(requester=UserFactory(), responder=expert(), scheduled_start=at(30))
    link_google(google, swap.requester)
    with django_capture_on_commit_callbacks(execute=True):
        services.swap_accept(swap=swap, actor=swap.responder)
    event_id = Swap.objects.get(pk=swap.pk).requester_calendar_event_id
    new_start = at(80)

    # when the session is moved
    with django_capture_on_commit_callbacks(execute=True):
        services.swap_reschedule(swap=swap, actor=swap.requester, start=new_start)
        services.swap_reschedule_accept(swap=swap, actor=swap.responder)

    # then the same event moved
    puts = google.calls("PUT", f"/events/{event_id}")
    assert len(puts) == 1
    event = google.events(swap.requester.email)[event_id]
    assert event["start"]["dateTime"] == new_start.isoformat()
    assert event["sequence"] == 1

    # when it is cancelled
    with django_capture_on_commit_callbacks(execute=True):
        services.swap_cancel(swap=swap, actor=swap.responder)

    # then the event is deleted and forgotten
    assert len(google.calls("DELETE", f"/events/{event_id}")) == 1
    assert google.events(swap.requester.email)[event_id]["status"] == "cancelled"
    assert Swap.objects.get(pk=swap.pk).requester_calendar_event_id == ""


def test_a_sync_retried_after_a_lost_answer_does_not_duplicate(google):
    # given an event Google created although we never stored its id
    swap = accepted_swap()
    link_google(google, swap.requester)
    services.swap_calendar_sync(swap=swap)
    Swap.objects.filter(pk=swap.pk).update(requester_calendar_event_id="")

    # when synced again
    results = services.swap_calendar_sync(swap=swap)

    # then Google's 409 on the deterministic id turns into an update
    assert results[0]["status"] == "updated"
    assert len(google.events(swap.requester.email)) == 1


def test_an_event_deleted_in_google_is_recreated(google):
    swap = accepted_swap()
    link_google(google, swap.requester)
    services.swap_calendar_sync(swap=swap)
    google.calendars[swap.requester.email].clear()

    results = services.swap_calendar_sync(swap=swap)

    assert results[0]["status"] == "created"
    assert len(google.events(swap.requester.email)) == 1


def test_a_revoked_grant_asks_for_reauthorisation(google):
    swap = accepted_swap()
    link_google(google, swap.requester, expired=True)
    google.refresh_tokens.clear()  # the user revoked SkillSwap in their Google account

    results = services.swap_calendar_sync(swap=swap)

    assert results[0]["status"] == "reauth_required"
    assert Swap.objects.get(pk=swap.pk).requester_calendar_event_id == ""


def test_google_down_is_an_error_for_the_endpoint_and_a_retry_for_the_task(google):
    from exchanges.google_calendar import CalendarUnavailable

    swap = accepted_swap()
    link_google(google, swap.requester, expired=False)

    google.fail_next = [503]
    assert services.swap_calendar_sync(swap=swap)[0]["status"] == "error"

    google.fail_next = [503]
    with pytest.raises(CalendarUnavailable):
        services.swap_calendar_sync(swap=swap, raise_unavailable=True)


def test_without_google_the_sync_says_not_linked_and_offers_the_feed(google, make_auth_client):
    swap = accepted_swap()

    response = make_auth_client(swap.requester).post(f"/api/v1/swaps/{swap.pk}/sync-calendar/")

    assert response.status_code == 200
    body = response.json()
    assert [r["status"] for r in body["results"]] == ["not_linked", "not_linked"]
    assert "/api/v1/calendar.ics?token=" in body["ics_url"]
    assert google.sent == []


def test_sync_of_someone_elses_swap_is_404(google, make_auth_client):
    swap = accepted_swap()

    response = make_auth_client(UserFactory()).post(f"/api/v1/swaps/{swap.pk}/sync-calendar")

    assert response.status_code == 404


# --- the signed ICS feed ---------------------------------------------------------------------


def test_ics_feed_parses_back_with_the_callers_sessions(make_auth_client, api_client):
    # given an accepted and a pending session, a cancelled one, and somebody else's
    me = expert(language="en")
    booked = services.swap_create(
        requester=UserFactory(first_name="Omar", last_name="Khalil"),
        responder=me,
        scheduled_start=at(30),
        title="Arabic calligraphy",
        description="Bring a qalam",
    )
    services.swap_accept(swap=booked, actor=me)
    asked = services.swap_create(requester=me, responder=expert(), scheduled_start=at(50))
    called_off = services.swap_create(requester=UserFactory(), responder=me, scheduled_start=at(70))
    services.swap_cancel(swap=called_off, actor=called_off.requester)
    services.swap_create(requester=UserFactory(), responder=expert(), scheduled_start=at(40))
    url = make_auth_client(me).get("/api/v1/calendar/feed").json()["url"]

    # when a calendar app fetches the URL without any credentials
    response = api_client.get(url)

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == "-//SkillSwap//Exchanges//EN"
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    assert set(events) == {f"swap-{booked.pk}@testserver", f"swap-{asked.pk}@testserver"}
    event = events[f"swap-{booked.pk}@testserver"]
    assert str(event["SUMMARY"]) == "Arabic calligraphy"
    assert event.decoded("DTSTART") == booked.scheduled_start
    assert event.decoded("DTEND") == booked.scheduled_end
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "Omar Khalil" in str(event["DESCRIPTION"])
    assert "Bring a qalam" in str(event["DESCRIPTION"])
    assert str(events[f"swap-{asked.pk}@testserver"]["STATUS"]) == "TENTATIVE"


def test_ics_feed_refuses_a_tampered_or_revoked_token(make_auth_client, api_client):
    me = UserFactory()
    client = make_auth_client(me)
    old = client.get("/api/v1/calendar/feed").json()

    assert api_client.get(f"/api/v1/calendar.ics?token={old['token']}x").status_code == 404
    assert api_client.get("/api/v1/calendar.ics").status_code == 404

    new = client.post("/api/v1/calendar/feed/reset").json()

    assert new["token"] != old["token"]
    assert api_client.get(old["url"]).status_code == 404
    assert api_client.get(new["url"]).status_code == 200


def test_ics_feed_follows_a_reschedule_with_a_new_sequence(make_auth_client, api_client):
    me = expert()
    swap = services.swap_create(requester=UserFactory(), responder=me, scheduled_start=at(30))
    services.swap_accept(swap=swap, actor=me)
    services.swap_reschedule(swap=swap, actor=me, start=at(60))
    services.swap_reschedule_accept(swap=swap, actor=swap.requester)
    url = make_auth_client(me).get("/api/v1/calendar/feed").json()["url"]

    (event,) = Calendar.from_ical(api_client.get(url).content).walk("VEVENT")

    assert event.decoded("DTSTART") == at(60)
    assert int(event["SEQUENCE"]) == 1
