"""Seed 001 ("SkillNet"): its client, played with the document's exact paths and field names.

SkillNet says "gigs" for offers (``GET gigs?search=``, ``POST create-gig/``, ``gigs/<id>/``), signs
up with a ``name``, refreshes with ``token``, and its profile carries ``phone``, ``address``,
``profile_picture`` and ``bannerImage`` (multipart). Forums, reviews, leaderboard and achievements
belong to other work.
"""

from __future__ import annotations

import pytest

from accounts.models import User
from exchanges.models import Swap
from marketplace.models import Offer
from messaging.models import Message
from tests.accounts.factories import UserFactory
from tests.exchanges.factories import always_available, at
from tests.marketplace.factories import CategoryFactory, SkillFactory, make_offer
from tests.messaging.factories import pair_thread, send, upload
from tests.seeds.helpers import (
    PASSWORD,
    error_fields,
    image,
    iso,
    items,
    snapshot,
    table,
    url,
)

pytestmark = pytest.mark.django_db


# --- A. authentication and user management ---------------------------------------------------


def test_signup_with_name_email_password_keeps_the_name(client_for):
    response = client_for(None).post(
        url("auth/signup"),
        {"name": "Ada Lovelace", "email": "ada@example.test", "password": PASSWORD},
        format="json",
    )

    assert response.status_code == 201, response.json()
    user = User.objects.get(email="ada@example.test")
    assert response.json()["user"]["public_name"] == "Ada Lovelace"
    assert (user.first_name, user.last_name) == ("Ada", "Lovelace") or (
        user.display_name == "Ada Lovelace"
    )


def test_signup_with_a_field_the_api_does_not_know_is_a_400_naming_it(client_for):
    response = client_for(None).post(
        url("auth/signup"),
        {"email": "ada@example.test", "password": PASSWORD, "nickname": "ada"},
        format="json",
    )

    assert response.status_code == 400
    assert error_fields(response) == {"nickname": ["This field is not known."]}
    assert not User.objects.filter(email="ada@example.test").exists()


def test_refresh_accepts_the_current_token_under_seed_001s_name(client_for, member):
    login = client_for(None).post(
        url("auth/login"), {"email": member.email, "password": PASSWORD}, format="json"
    )

    response = client_for(None).post(
        url("auth/refresh"), {"token": login.json()["refresh"]}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["access"]
    authenticated = client_for(None)
    authenticated.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert authenticated.get(url("auth/profile")).json()["id"] == member.pk


def test_profile_update_with_phone_address_picture_and_banner(client_for, member):
    # when SkillNet's client sends its UserProfile fields as multipart
    response = client_for(member).put(
        url("auth/profile"),
        {
            "name": "John Doe",
            "phone": "+20 100 000 0000",
            "address": "12 Nile Street, Cairo",
            "bio": "Guitar teacher",
            "profile_picture": image("me.png"),
            "bannerImage": image("banner.png", (1200, 400)),
        },
        format="multipart",
    )

    # then each one is stored, none dropped in silence
    assert response.status_code == 200, response.json()
    profile = client_for(member).get(url("auth/profile")).json()
    assert profile["phone"] == "+201000000000"  # stored in E.164
    assert profile["address"] == "12 Nile Street, Cairo"
    assert profile["bio"] == "Guitar teacher"
    assert profile["avatar"] is not None
    assert profile["banner"] is not None
    member.refresh_from_db()
    assert member.avatar.name
    assert member.banner.name


def test_profile_picture_that_is_not_an_image_is_refused_and_nothing_changes(client_for, member):
    before = table(User)

    response = client_for(member).put(
        url("auth/profile"),
        {"bio": "x", "profile_picture": upload("x.png", b"not an image", "image/png")},
        format="multipart",
    )

    assert response.status_code == 400
    assert list(error_fields(response)) == ["profile_picture"]
    assert table(User) == before


# --- B. gigs ---------------------------------------------------------------------------------


def gig_body(**changes) -> dict:
    values = {
        "title": "Guitar for beginners",
        "description": "Chords in four weeks",
        "offered_skills": ["Guitar"],
        "desired_skills": ["Python"],
        "mode": "online",
    }
    values.update(changes)
    return values


def test_gig_lifecycle_create_search_read_update_delete(client_for, member, other_member):
    # given the catalogue knows Guitar (Music) and Python
    music = CategoryFactory(name_en="Music")
    guitar = SkillFactory(name_en="Guitar", category=music)
    SkillFactory(name_en="Python")
    client = client_for(member)

    # when SkillNet's client walks a gig through its life
    created = client.post(url("create-gig/"), gig_body(), format="json")
    gig_id = created.json()["id"]
    found = client_for(other_member).get(url("gigs"), {"search": "guitar"})
    detail = client_for(other_member).get(url(f"gigs/{gig_id}/"))
    updated = client.put(url(f"gigs/{gig_id}/"), gig_body(title="Guitar, advanced"), "json")
    deleted = client.delete(url(f"gigs/{gig_id}/"))

    # then the answers carry creator information and timestamps
    assert created.status_code == 201, created.json()
    assert created.json()["category"]["id"] == music.pk
    assert [s["id"] for s in created.json()["offered_skills"]] == [guitar.pk]
    assert [g["id"] for g in items(found)] == [gig_id]
    assert detail.status_code == 200
    gig = detail.json()
    assert gig["created_by"] == member.pk
    assert gig["owner"]["id"] == member.pk
    assert gig["created_at"]
    assert gig["updated_at"]
    assert updated.status_code == 200, updated.json()
    assert updated.json()["title"] == "Guitar, advanced"
    assert deleted.status_code == 204
    assert not Offer.objects.filter(pk=gig_id, status="active").exists()


def test_gigs_list_is_paginated_and_filtered_by_mode(client_for, member):
    online = make_offer(title="Online guitar", mode="online")
    make_offer(title="Offline guitar", mode="offline", location="Cairo")

    response = client_for(member).get(url("gigs"), {"mode": "online", "page_size": 1})

    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert [g["id"] for g in response.json()["results"]] == [online.pk]


def test_someone_elses_gig_cannot_be_updated(client_for, other_member):
    gig = make_offer(title="Mine")
    before = snapshot(Offer)

    response = client_for(other_member).put(url(f"gigs/{gig.pk}/"), gig_body(), format="json")

    assert response.status_code == 404
    assert snapshot(Offer) == before


# --- C. chat and messaging ------------------------------------------------------------------


def test_conversation_summaries_then_the_whole_conversation(client_for, member, other_member):
    thread = pair_thread(member, other_member)
    send(thread, member, "Are you free on Sunday?")
    send(thread, other_member, "Yes, after five")

    summaries = client_for(member).get(url("messages/"))
    conversation = client_for(other_member).get(url(f"messages/{thread.pk}/"))

    assert summaries.status_code == 200
    summary = items(summaries)[0]
    assert summary["last_message"]["content"] == "Yes, after five"
    assert summary["last_message_at"]
    assert summary["unread_count"] == 1
    assert conversation.status_code == 200
    in_order = sorted(items(conversation), key=lambda m: m["id"])
    assert [(m["sender_id"], m["content"]) for m in in_order] == [
        (member.pk, "Are you free on Sunday?"),
        (other_member.pk, "Yes, after five"),
    ]
    assert all(m["created_at"] for m in items(conversation))


def test_send_a_message_with_a_file(client_for, member, other_member):
    thread = pair_thread(member, other_member)

    response = client_for(member).post(
        url(f"messages/{thread.pk}/"),
        {"content": "The chord chart", "attachments": [image("chords.png")]},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["content"] == "The chord chart"
    assert response.json()["receiver_id"] == other_member.pk
    assert len(response.json()["attachments"]) == 1


def test_an_empty_multipart_message_is_an_error_in_the_api_shape(client_for, member, other_member):
    thread = pair_thread(member, other_member)

    response = client_for(member).post(url(f"messages/{thread.pk}/"), {}, format="multipart")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert not Message.objects.filter(thread=thread).exists()


# --- D. swaps --------------------------------------------------------------------------------


def test_swap_request_proposed_time_and_status_update(client_for, member):
    responder = UserFactory(first_name="Jane")
    always_available(responder)
    when = at(30)

    created = client_for(member).post(
        url("swaps/"),
        {"requestor": member.pk, "responder": responder.pk, "scheduled_time": iso(when)},
        format="json",
    )
    listed = client_for(responder).get(url("swaps/"), {"status": "pending"})
    accepted = client_for(responder).put(
        url(f"swaps/{created.json()['id']}/"), {"status": "accepted"}, format="json"
    )

    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "pending"
    assert created.json()["scheduled_start"] == iso(when)
    assert created.json()["created_at"]
    assert created.json()["updated_at"]
    assert [s["id"] for s in items(listed)] == [created.json()["id"]]
    assert accepted.status_code == 200, accepted.json()
    assert Swap.objects.get().status == "accepted"


# --- E. video calls -------------------------------------------------------------------------


def test_video_session_details_list_participants_timing_and_a_token(client_for, member):
    from exchanges import services
    from tests.exchanges.factories import expert

    swap = services.swap_create(requester=member, responder=expert(), scheduled_start=at(2))
    services.swap_accept(swap=swap, actor=swap.responder)
    created = client_for(member).post(url("video-calls/"), {"swap_id": swap.pk}, format="json")

    detail = client_for(swap.responder).get(url(f"video-calls/{created.json()['id']}/"))

    assert detail.status_code == 200
    session = detail.json()
    assert session["scheduled_start"] == iso(swap.scheduled_start)
    assert session["scheduled_end"] == iso(swap.scheduled_end)
    assert session["join_token"]
    assert session["join_token"] != created.json()["join_token"]  # each participant's own
    assert len(session["participants"]) == 2
