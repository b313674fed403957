"""Seed 000 ("Skill Swap Web Platform"): its client, played with the document's exact paths.

The document writes paths without a trailing slash for auth and actions (``POST auth/login``,
``POST swaps/<id>/sync-calendar``) and with one for resources (``offers/``); both are served.
Bodies follow its section 4 models (SkillOffer, SwapRequest with ``requestor``, ``responder``,
``scheduled_time``). Forums, reviews, leaderboard and achievements belong to other work.
"""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import User
from exchanges.models import Swap, VideoCall
from marketplace.models import Offer, Skill
from messaging.models import Message
from tests.accounts.factories import UserFactory
from tests.exchanges.factories import always_available, at, expert
from tests.marketplace.factories import CategoryFactory, SkillFactory, make_offer
from tests.messaging.factories import pair_thread, send
from tests.seeds.helpers import (
    BIDI_SCRIPT,
    BIDI_SCRIPT_CLEAN,
    FAR_FUTURE,
    PASSWORD,
    body,
    error_fields,
    image,
    iso,
    items,
    snapshot,
    url,
)

pytestmark = pytest.mark.django_db


# --- A. authentication and user management ---------------------------------------------------


def test_signup_login_refresh_logout_as_the_document_lists_them(client_for):
    anonymous = client_for(None)

    # when a new member signs up, signs in, refreshes and logs out
    signed_up = anonymous.post(
        url("auth/signup"), {"email": "sam@example.test", "password": PASSWORD}, format="json"
    )
    logged_in = anonymous.post(
        url("auth/login"), {"email": "sam@example.test", "password": PASSWORD}, format="json"
    )
    refreshed = anonymous.post(
        url("auth/refresh"), {"refresh": logged_in.json()["refresh"]}, format="json"
    )
    anonymous.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")
    logged_out = anonymous.post(
        url("auth/logout"), {"refresh": refreshed.json()["refresh"]}, format="json"
    )
    reused = client_for(None).post(
        url("auth/refresh"), {"refresh": refreshed.json()["refresh"]}, format="json"
    )

    # then each answers as documented: a JWT pair, a new pair, and a dead refresh token
    assert signed_up.status_code == 201, signed_up.json()
    assert signed_up.json()["user"]["email"] == "sam@example.test"
    assert set(signed_up.json()) >= {"access", "refresh", "user"}
    assert logged_in.status_code == 200, logged_in.json()
    assert logged_in.json()["user"]["id"] == signed_up.json()["user"]["id"]
    assert refreshed.status_code == 200, refreshed.json()
    assert refreshed.json()["refresh"] != logged_in.json()["refresh"]  # rotated
    assert logged_out.status_code == 204
    assert reused.status_code == 401
    assert User.objects.filter(email="sam@example.test").count() == 1


def test_profile_get_returns_bio_skills_picture_and_rating(client_for, member):
    # given a member who offers Python
    python = SkillFactory(name_en="Python")
    client = client_for(member)
    client.put(url("auth/profile"), {"bio": "Teaches Python", "skills": ["Python"]}, format="json")

    # when the client reads the profile
    response = client.get(url("auth/profile"))

    # then the section 4 user fields are there
    assert response.status_code == 200
    profile = response.json()
    assert profile["bio"] == "Teaches Python"
    assert profile["avatar"] is None
    assert profile["rating_average"] == "0.00"
    assert [s["skill_id"] for s in profile["sections"]["skills"]["offered"]] == [python.pk]


def test_put_profile_with_only_bio_skills_and_picture_keeps_the_names(client_for, member):
    # given a catalogue skill and a member with a name
    SkillFactory(name_en="Python")
    client = client_for(member)

    # when seed 000's client PUTs only what the document lists (bio, skills, profile picture)
    response = client.put(
        url("auth/profile"),
        {"bio": "I teach Python", "skills": ["Python"], "profile_picture": image()},
        format="multipart",
    )

    # then it succeeds and the names the PUT omitted are untouched
    assert response.status_code == 200, response.json()
    member.refresh_from_db()
    assert (member.first_name, member.last_name, member.bio) == ("John", "Doe", "I teach Python")
    assert response.json()["avatar"] is not None
    assert member.avatar.name != ""
    offered = response.json()["sections"]["skills"]["offered"]
    assert [row["skill_name"] for row in offered] == ["Python"]


def test_profile_skill_name_outside_the_catalogue_does_not_become_public(client_for, member):
    # given a catalogue without the name a member types
    before = list(Skill.objects.values_list("pk", flat=True))

    # when the member puts it on their profile
    response = client_for(member).put(
        url("auth/profile"), {"bio": "", "skills": ["BUY CHEAP PILLS evil.example"]}, format="json"
    )

    # then no other member sees it in the catalogue
    assert response.status_code == 200
    listed = client_for(None).get(url("skills/categories/")).json()
    assert "BUY CHEAP PILLS" not in str(listed)
    public = Skill.objects.exclude(pk__in=before).filter(name__icontains="cheap pills")
    assert [s for s in public if getattr(s, "status", "approved") == "approved"] == []


def test_profile_text_is_stored_without_bidi_overrides_and_with_its_angle_brackets(
    client_for, member
):
    response = client_for(member).put(url("auth/profile"), {"bio": BIDI_SCRIPT}, format="json")

    assert response.status_code == 200, response.json()
    member.refresh_from_db()
    assert member.bio == BIDI_SCRIPT_CLEAN
    assert response.json()["bio"] == BIDI_SCRIPT_CLEAN


# --- B. skill offers and listings -----------------------------------------------------------


def offer_body(**changes) -> dict:
    """The SkillOfferSerializer fields of the document's section 7."""
    values = {
        "title": "Python for beginners",
        "description": "Four evenings of Python",
        "offered_skills": ["Python"],
        "desired_skills": ["Guitar"],
        "mode": "online",
    }
    values.update(changes)
    return values


def test_offer_lifecycle_with_skills_named_and_no_category(client_for, member, other_member):
    # given a catalogue where Python belongs to Programming and Guitar to Music
    programming = CategoryFactory(name_en="Programming")
    python = SkillFactory(name_en="Python", category=programming)
    guitar = SkillFactory(name_en="Guitar", category=CategoryFactory(name_en="Music"))
    client = client_for(member)

    # when the member creates, reads, lists, updates and deletes an offer
    created = client.post(url("offers/"), offer_body(), format="json")
    offer_id = created.json()["id"]
    listed = client_for(other_member).get(url("offers/"))
    detail = client_for(other_member).get(url(f"offers/{offer_id}/"))
    changes = offer_body(title="Python, evenings", mode="offline", location="Cairo")
    updated = client.put(url(f"offers/{offer_id}/"), changes, format="json")
    deleted = client.delete(url(f"offers/{offer_id}/"))
    gone = client_for(other_member).get(url(f"offers/{offer_id}/"))

    # then every answer carries the serializer's fields, category inferred from Python
    assert created.status_code == 201, created.json()
    offer = created.json()
    assert offer["title"] == "Python for beginners"
    assert offer["description"] == "Four evenings of Python"
    assert [s["id"] for s in offer["offered_skills"]] == [python.pk]
    assert [s["id"] for s in offer["desired_skills"]] == [guitar.pk]
    assert offer["mode"] == "online"
    assert offer["created_by"] == member.pk
    assert offer["category"]["id"] == programming.pk
    assert offer["created_at"]
    assert [o["id"] for o in items(listed)] == [offer_id]
    assert detail.status_code == 200
    assert detail.json()["created_by"] == member.pk
    assert updated.status_code == 200, updated.json()
    assert (updated.json()["title"], updated.json()["mode"]) == ("Python, evenings", "offline")
    assert deleted.status_code == 204
    assert gone.status_code == 404


def test_offer_filters_category_skill_location_and_mode(client_for, member):
    music = CategoryFactory(name_en="Music")
    guitar = SkillFactory(name_en="Guitar", category=music)
    wanted = make_offer(
        title="Guitar in Cairo", category=music, offered=[guitar], mode="offline", location="Cairo"
    )
    make_offer(title="Cooking online", mode="online")
    client = client_for(member)

    by_category = client.get(url("offers/"), {"category": music.pk})
    by_skill = client.get(url("offers/"), {"skill": guitar.pk})
    by_location = client.get(url("offers/"), {"location": "Cairo"})
    by_mode = client.get(url("offers/"), {"mode": "offline"})

    for response in (by_category, by_skill, by_location, by_mode):
        assert response.status_code == 200, response.json()
        assert [o["id"] for o in items(response)] == [wanted.pk]


def test_someone_elses_offer_cannot_be_updated_or_deleted(client_for, other_member):
    offer = make_offer(title="Mine")
    before = snapshot(Offer)
    client = client_for(other_member)

    put = client.put(url(f"offers/{offer.pk}/"), offer_body(), format="json")
    deleted = client.delete(url(f"offers/{offer.pk}/"))

    assert put.status_code == 404
    assert deleted.status_code == 404
    assert "error" in put.json()
    assert snapshot(Offer) == before


def test_offer_with_an_unknown_field_is_refused_naming_it(client_for, member):
    SkillFactory(name_en="Python")
    before = snapshot(Offer)

    response = client_for(member).post(url("offers/"), offer_body(images_url="x"), format="json")

    assert response.status_code == 400
    assert error_fields(response) == {"images_url": ["This field is not known."]}
    assert snapshot(Offer) == before


def test_offer_text_keeps_angle_brackets_and_drops_bidi_overrides(client_for, member):
    SkillFactory(name_en="Python")

    response = client_for(member).post(
        url("offers/"), offer_body(title="Python", description=BIDI_SCRIPT), format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["description"] == BIDI_SCRIPT_CLEAN
    assert Offer.objects.get().description == BIDI_SCRIPT_CLEAN


# --- C. chat and messaging ------------------------------------------------------------------


def test_threads_list_read_and_send_with_an_attachment(client_for, member, other_member):
    thread = pair_thread(member, other_member)
    send(thread, other_member, "Hello from Jane")
    client = client_for(member)

    threads = client.get(url("messages/"))
    messages = client.get(url(f"messages/{thread.pk}/"))
    sent = client.post(url(f"messages/{thread.pk}/"), {"content": "Hi Jane"}, format="json")
    with_file = client.post(
        url(f"messages/{thread.pk}/"),
        {"content": "My notes", "attachments": [image("notes.png")]},
        format="multipart",
    )

    assert threads.status_code == 200
    assert [t["id"] for t in items(threads)] == [thread.pk]
    assert items(threads)[0]["last_message"]["content"] == "Hello from Jane"
    assert [m["content"] for m in items(messages)] == ["Hello from Jane"]
    assert items(messages)[0]["sender_id"] == other_member.pk
    assert sent.status_code == 201, sent.json()
    assert (sent.json()["content"], sent.json()["sender_id"]) == ("Hi Jane", member.pk)
    assert with_file.status_code == 201, with_file.json()
    assert len(with_file.json()["attachments"]) == 1


def test_chat_text_comes_back_exactly_as_written_minus_bidi(client_for, member, other_member):
    thread = pair_thread(member, other_member)

    sent = client_for(member).post(
        url(f"messages/{thread.pk}/"), {"content": BIDI_SCRIPT}, format="json"
    )

    assert sent.status_code == 201, sent.json()
    assert sent.json()["content"] == BIDI_SCRIPT_CLEAN
    assert Message.objects.get().content == BIDI_SCRIPT_CLEAN


def test_outsider_cannot_read_or_post_into_a_thread(client_for, member, other_member):
    thread = pair_thread(member, other_member)
    outsider = client_for(User.objects.create_user(email="eve@example.test", password=PASSWORD))
    before = snapshot(Message)

    read = outsider.get(url(f"messages/{thread.pk}/"))
    posted = outsider.post(url(f"messages/{thread.pk}/"), {"content": "hi"}, format="json")

    assert (read.status_code, posted.status_code) == (404, 404)
    assert snapshot(Message) == before


# --- D. swap requests and scheduling --------------------------------------------------------


def available_user() -> User:
    """A responder whose weekly availability covers every hour."""
    user = UserFactory(first_name="Jane", last_name="Smith")
    always_available(user)
    return user


def swap_request(requestor: User, responder: User, when: dt.datetime) -> dict:
    """The SwapRequest fields of section 4: requestor, responder, scheduled_time."""
    return {"requestor": requestor.pk, "responder": responder.pk, "scheduled_time": iso(when)}


def test_swap_request_with_requestor_responder_and_scheduled_time(client_for, member):
    # given a responder who is available every day
    responder = available_user()
    when = at(48)

    # when the client creates the request and both parties list their swaps
    created = client_for(member).post(
        url("swaps/"), swap_request(member, responder, when), format="json"
    )
    mine = client_for(member).get(url("swaps/"))
    theirs = client_for(responder).get(url("swaps/"), {"status": "pending"})

    # then it is pending between the two, at the proposed time
    assert created.status_code == 201, created.json()
    swap = created.json()
    assert swap["status"] == "pending"
    assert swap["requester"]["id"] == member.pk
    assert swap["responder"]["id"] == responder.pk
    assert swap["scheduled_start"] == iso(when)
    assert [s["id"] for s in items(mine)] == [swap["id"]]
    assert [s["id"] for s in items(theirs)] == [swap["id"]]


def test_put_swap_status_accepts_then_a_second_swap_is_rejected(client_for, member):
    responder = available_user()
    first = client_for(member).post(
        url("swaps/"), swap_request(member, responder, at(48)), format="json"
    )
    second = client_for(member).post(
        url("swaps/"), swap_request(member, responder, at(72)), format="json"
    )

    accepted = client_for(responder).put(
        url(f"swaps/{first.json()['id']}/"), {"status": "accepted"}, format="json"
    )
    rejected = client_for(responder).put(
        url(f"swaps/{second.json()['id']}/"), {"status": "rejected"}, format="json"
    )

    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status"] == "accepted"
    assert rejected.status_code == 200, rejected.json()
    assert rejected.json()["status"] == "rejected"


def test_requester_cannot_accept_their_own_request(client_for, member):
    responder = available_user()
    created = client_for(member).post(
        url("swaps/"), swap_request(member, responder, at(48)), format="json"
    )
    before = snapshot(Swap)

    response = client_for(member).put(
        url(f"swaps/{created.json()['id']}/"), {"status": "accepted"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"]
    assert snapshot(Swap) == before


def test_a_requestor_other_than_the_caller_is_refused(client_for, member, other_member):
    responder = available_user()
    before = snapshot(Swap)

    response = client_for(member).post(
        url("swaps/"), swap_request(other_member, responder, at(48)), format="json"
    )

    assert response.status_code == 400
    assert "error" in response.json()
    assert snapshot(Swap) == before


def test_scheduled_time_at_the_end_of_the_calendar_is_a_400_on_the_field(client_for, member):
    responder = available_user()
    before = snapshot(Swap)

    response = client_for(member).post(
        url("swaps/"),
        {"requestor": member.pk, "responder": responder.pk, "scheduled_time": FAR_FUTURE},
        format="json",
    )

    assert response.status_code == 400
    assert list(error_fields(response)) == ["scheduled_time"]
    assert snapshot(Swap) == before


def test_sync_calendar_without_google_points_to_the_feed(client_for, member):
    responder = available_user()
    created = client_for(member).post(
        url("swaps/"), swap_request(member, responder, at(48)), format="json"
    )
    client_for(responder).put(
        url(f"swaps/{created.json()['id']}/"), {"status": "accepted"}, format="json"
    )

    response = client_for(member).post(url(f"swaps/{created.json()['id']}/sync-calendar"))

    assert response.status_code == 200, response.json()
    assert [r["status"] for r in response.json()["results"]] == ["not_linked", "not_linked"]
    assert "/api/v1/calendar.ics?token=" in response.json()["ics_url"]


# --- E. video calls -------------------------------------------------------------------------


def accepted_video_swap(requester: User) -> Swap:
    from exchanges import services

    swap = services.swap_create(
        requester=requester, responder=expert(first_name="Jane"), scheduled_start=at(1)
    )
    return services.swap_accept(swap=swap, actor=swap.responder)


def test_video_call_created_for_a_swap_and_read_back(client_for, member):
    swap = accepted_video_swap(member)
    client = client_for(member)

    created = client.post(url("video-calls/"), {"swap_id": swap.pk}, format="json")
    detail = client.get(url(f"video-calls/{created.json()['id']}/"))

    assert created.status_code == 201, created.json()
    call = body(created)
    assert call["swap_id"] == swap.pk
    assert call["room"]
    assert call["join_token"]
    assert detail.status_code == 200
    assert sorted(p["user"]["id"] for p in detail.json()["participants"]) == sorted(
        [swap.requester_id, swap.responder_id]
    )
    assert detail.json()["scheduled_start"] == iso(swap.scheduled_start)


def test_cancelled_swap_gives_no_more_join_tokens(client_for, member):
    swap = accepted_video_swap(member)
    client = client_for(member)
    call_id = client.post(url("video-calls/"), {"swap_id": swap.pk}, format="json").json()["id"]

    cancelled = client.post(url(f"swaps/{swap.pk}/cancel"), {"reason": "ill"}, format="json")
    detail = client.get(url(f"video-calls/{call_id}/"))
    again = client.post(url("video-calls/"), {"swap_id": swap.pk}, format="json")

    assert cancelled.status_code == 200, cancelled.json()
    assert detail.status_code == 200
    assert (detail.json()["join_token"], detail.json()["status"]) == (None, "ended")
    assert again.status_code == 409
    assert list(VideoCall.objects.filter(swap=swap).values_list("pk", flat=True)) == [call_id]
