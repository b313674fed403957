"""Seed 002 ("SkillSwap", points-based): its client, played with the document's exact paths.

The document lists its paths under ``/api/``; its client points that base at ``/api/v1/``. A
"skill" there is a member's own listing (title, description, price_in_points, category); an
"order" is a paid session (buyer, seller, skill, status); a "chat room" is a thread of two users.
Packages, purchases and payments belong to billing work; reviews to community work.
"""

from __future__ import annotations

import pytest

from accounts.models import User
from exchanges.models import Swap
from marketplace.models import Offer
from messaging.models import Message
from rewards.models import LedgerAccount
from tests.accounts.factories import UserFactory
from tests.exchanges.factories import always_available
from tests.marketplace.factories import CategoryFactory, make_expert, make_offer
from tests.messaging.factories import pair_thread, send
from tests.rewards.factories import funded_user
from tests.seeds.helpers import PASSWORD, body, error_fields, items, snapshot, url

pytestmark = pytest.mark.django_db


# --- auth ----------------------------------------------------------------------------------


def test_register_with_a_username_then_sign_in_with_it(client_for):
    anonymous = client_for(None)

    registered = anonymous.post(
        url("auth/register/"),
        {"username": "hadeer", "email": "hadeer@example.test", "password": PASSWORD},
        format="json",
    )
    by_username = anonymous.post(
        url("auth/login/"), {"username": "hadeer", "password": PASSWORD}, format="json"
    )
    by_other_case = anonymous.post(
        url("auth/login/"), {"username": "HADEER", "password": PASSWORD}, format="json"
    )
    by_email = anonymous.post(
        url("auth/login/"), {"email": "hadeer@example.test", "password": PASSWORD}, format="json"
    )

    assert registered.status_code == 201, registered.json()
    user = User.objects.get(email="hadeer@example.test")
    assert user.username == "hadeer"
    assert registered.json()["user"]["points_balance"] == 1  # the signup bonus, one by default
    for response in (by_username, by_other_case, by_email):
        assert response.status_code == 200, response.json()
        assert response.json()["user"]["id"] == user.pk
        assert response.json()["access"]


def test_a_username_taken_in_another_case_is_refused(client_for):
    client_for(None).post(
        url("auth/register/"),
        {"username": "hadeer", "email": "one@example.test", "password": PASSWORD},
        format="json",
    )
    before = snapshot(User)

    response = client_for(None).post(
        url("auth/register/"),
        {"username": "Hadeer", "email": "two@example.test", "password": PASSWORD},
        format="json",
    )

    assert response.status_code == 400
    assert list(error_fields(response)) == ["username"]
    assert snapshot(User) == before


def test_refresh_logout_and_profile_under_seed_002s_paths(client_for, member):
    anonymous = client_for(None)
    login = anonymous.post(
        url("auth/login/"), {"email": member.email, "password": PASSWORD}, format="json"
    )
    client = client_for(member)

    refreshed = anonymous.post(
        url("auth/refresh/"), {"refresh": login.json()["refresh"]}, format="json"
    )
    profile = client.get(url("auth/profile/"))
    updated = client.put(
        url("auth/profile/"),
        {"first_name": "Hadeer", "last_name": "Gamal", "bio": "Teacher"},
        format="json",
    )
    logged_out = client.post(url("auth/logout/"), {"refresh": refreshed.json()["refresh"]})

    assert refreshed.status_code == 200
    assert profile.status_code == 200
    assert updated.status_code == 200, updated.json()
    assert (updated.json()["first_name"], updated.json()["bio"]) == ("Hadeer", "Teacher")
    assert logged_out.status_code == 204


# --- skills (a member's own listings) ------------------------------------------------------


def test_skill_listing_lifecycle_under_seed_002s_names(client_for):
    # given an expert (only experts sell for points) and a category
    seller = make_expert(UserFactory())
    category = CategoryFactory(name_en="Languages")
    client = client_for(seller)

    # when the seller lists, reads, updates and deletes a skill
    created = client.post(
        url("skills/"),
        {
            "title": "Arabic calligraphy",
            "description": "Naskh script, one hour",
            "price_in_points": 10,
            "category": category.pk,
        },
        format="json",
    )
    skill_id = created.json()["id"]
    mine = client.get(url("skills/"))
    detail = client.get(url(f"skills/{skill_id}/"))
    updated = client.put(
        url(f"skills/{skill_id}/"),
        {"title": "Arabic calligraphy", "description": "Thuluth", "price_in_points": 12},
        format="json",
    )
    deleted = client.delete(url(f"skills/{skill_id}/"))

    # then the answers use the document's field names
    assert created.status_code == 201, created.json()
    skill = created.json()
    assert (skill["title"], skill["description"]) == (
        "Arabic calligraphy",
        "Naskh script, one hour",
    )
    assert skill["price_in_points"] == 10
    assert skill["category"] == category.pk
    assert skill["user"] == seller.pk
    assert [s["id"] for s in items(mine)] == [skill_id]
    assert detail.status_code == 200
    assert updated.status_code == 200, updated.json()
    assert (updated.json()["description"], updated.json()["price_in_points"]) == ("Thuluth", 12)
    assert deleted.status_code == 204
    assert client.get(url(f"skills/{skill_id}/")).status_code == 404


def test_skills_lists_only_the_callers_own_listings(client_for, member):
    make_offer(title="Somebody else's")
    own = make_offer(owner=member, title="Mine")

    response = client_for(member).get(url("skills/"))

    assert response.status_code == 200
    assert [s["id"] for s in items(response)] == [own.pk]


def test_someone_elses_skill_cannot_be_changed(client_for, member):
    listing = make_offer(title="Not yours")
    before = snapshot(Offer)

    put = client_for(member).put(url(f"skills/{listing.pk}/"), {"title": "Mine now"}, "json")
    deleted = client_for(member).delete(url(f"skills/{listing.pk}/"))

    assert (put.status_code, deleted.status_code) == (404, 404)
    assert snapshot(Offer) == before


def test_skill_categories_in_english_and_arabic(client_for):
    CategoryFactory(name_en="Music", name_ar="موسيقى")

    english = client_for(None).get(url("skills/categories/"))
    arabic = client_for(None, language="ar").get(url("skills/categories/"))

    assert english.status_code == 200
    assert [c["name"] for c in items(english)] == ["Music"]
    assert [c["name"] for c in items(arabic)] == ["موسيقى"]


# --- points and orders ---------------------------------------------------------------------


def seller_with_listing(price: int = 10) -> tuple[User, Offer]:
    seller = make_expert(UserFactory(first_name="Sara"))
    always_available(seller)
    return seller, make_offer(owner=seller, title="Calligraphy", price_points=price)


def test_order_lifecycle_request_accept_complete_moves_the_points(client_for):
    # given a buyer with 50 points and a listing at 10
    buyer = funded_user(50)
    seller, listing = seller_with_listing(10)
    buyer_start = client_for(buyer).get(url("points/balance/")).json()["balance"]
    seller_start = client_for(seller).get(url("points/balance/")).json()["balance"]

    # when the buyer orders, the seller accepts, and the order completes
    created = client_for(buyer).post(url("points/orders/"), {"skill_id": listing.pk}, "json")
    order_id = created.json()["id"]
    listed = client_for(seller).get(url("points/orders/"))
    accepted = client_for(seller).put(url(f"points/orders/{order_id}/"), {"status": "accepted"})
    after_accept = client_for(buyer).get(url("points/balance/")).json()["balance"]
    Swap.objects.filter(pk=order_id).update(
        scheduled_start=Swap.objects.get(pk=order_id).scheduled_start.replace(year=2020),
        scheduled_end=Swap.objects.get(pk=order_id).scheduled_end.replace(year=2020),
    )
    # the buyer marks it complete after the session, the seller's mark confirms it
    marked = client_for(buyer).put(url(f"points/orders/{order_id}/"), {"status": "completed"})
    completed = client_for(seller).put(url(f"points/orders/{order_id}/"), {"status": "completed"})

    # then the order moved request → accept → complete and the points followed it
    assert created.status_code == 201, created.json()
    order = created.json()
    assert (order["buyer_id"], order["seller_id"], order["skill_id"]) == (
        buyer.pk,
        seller.pk,
        listing.pk,
    )
    assert order["status"] == "pending"
    assert order["created_at"]
    assert [o["id"] for o in items(listed)] == [order_id]
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status"] == "accepted"
    assert after_accept == buyer_start - 10
    assert (marked.status_code, marked.json()["status"]) == (200, "accepted")
    assert completed.status_code == 200, completed.json()
    assert completed.json()["status"] == "completed"
    assert client_for(seller).get(url("points/balance/")).json()["balance"] == seller_start + 10


def test_an_order_beyond_the_balance_is_refused_and_nothing_moves(client_for):
    buyer = funded_user(0)
    _, listing = seller_with_listing(500)
    before = snapshot(Swap, LedgerAccount)

    response = client_for(buyer).post(url("points/orders/"), {"skill_id": listing.pk}, "json")

    assert response.status_code == 409
    assert "error" in response.json()
    assert snapshot(Swap, LedgerAccount) == before


def test_points_transactions_show_credit_and_debit(client_for):
    buyer = funded_user(20)

    response = client_for(buyer).get(url("points/transactions/"))

    assert response.status_code == 200
    rows = items(response)
    assert [(row["type"], row["amount"]) for row in rows] == [("credit", 20)]
    assert all(row["created_at"] for row in rows)


# --- chat -------------------------------------------------------------------------------------


def test_chat_rooms_list_read_and_send(client_for, member, other_member):
    room = pair_thread(member, other_member)
    send(room, other_member, "Welcome!")
    client = client_for(member)

    rooms = client.get(url("chat/rooms/"))
    detail = client.get(url(f"chat/rooms/{room.pk}/"))
    sent = client.post(url(f"chat/rooms/{room.pk}/send/"), {"content": "Thanks"}, format="json")

    assert rooms.status_code == 200, rooms.json()
    assert [r["id"] for r in items(rooms)] == [room.pk]
    assert {items(rooms)[0]["user1_id"], items(rooms)[0]["user2_id"]} == {
        member.pk,
        other_member.pk,
    }
    assert detail.status_code == 200
    messages = body(detail)["messages"]
    assert [(m["sender_id"], m["content"]) for m in messages] == [(other_member.pk, "Welcome!")]
    assert all(m["timestamp"] for m in messages)
    assert sent.status_code == 201, sent.json()
    assert (sent.json()["sender_id"], sent.json()["content"]) == (member.pk, "Thanks")
    assert sent.json()["chatroom_id"] == room.pk


def test_a_room_of_others_is_404_and_nothing_is_sent(client_for, member, other_member):
    room = pair_thread(other_member, UserFactory())
    before = snapshot(Message)

    detail = client_for(member).get(url(f"chat/rooms/{room.pk}/"))
    sent = client_for(member).post(url(f"chat/rooms/{room.pk}/send/"), {"content": "hi"}, "json")

    assert (detail.status_code, sent.status_code) == (404, 404)
    assert snapshot(Message) == before
