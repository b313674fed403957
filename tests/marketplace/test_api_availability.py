"""availability/ (and seed 003's user-availability/): weekly slots without overlaps, exceptions."""

import pytest

from marketplace.models import AvailabilityException, AvailabilitySlot
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import SlotFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/availability/"


def slot(day, start, end) -> dict:
    return {"day_of_week": day, "start_time": start, "end_time": end}


@pytest.mark.parametrize("url", [URL, "/api/v1/user-availability/", "/api/v1/user-availability"])
def test_add_a_weekly_slot(auth_client, url):
    auth_client.user.time_zone = "Africa/Cairo"
    auth_client.user.save()

    response = auth_client.post(url, slot(3, "09:00:00", "17:00:00"), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in body if k != "id"} == {
        "user": auth_client.user.pk,
        "day_of_week": 3,
        "start_time": "09:00:00",
        "end_time": "17:00:00",
        "time_zone": "Africa/Cairo",
    }


@pytest.mark.parametrize(
    ("existing", "new"),
    [
        (("09:00", "12:00"), ("11:00", "13:00")),
        (("09:00", "12:00"), ("08:00", "09:30")),
        (("09:00", "12:00"), ("10:00", "11:00")),
        (("09:00", "12:00"), ("08:00", "13:00")),
        (("22:00", "00:00"), ("23:00", "23:30")),
    ],
)
def test_overlapping_slots_are_refused(auth_client, existing, new):
    SlotFactory(user=auth_client.user, day_of_week=1, start_time=existing[0], end_time=existing[1])

    response = auth_client.post(URL, slot(1, *new), format="json")

    assert response.status_code == 400
    assert "start_time" in response.json()["error"]["fields"]
    assert AvailabilitySlot.objects.filter(user=auth_client.user).count() == 1


def test_touching_slots_and_other_days_and_other_members_are_fine(auth_client):
    SlotFactory(user=auth_client.user, day_of_week=1, start_time="09:00", end_time="12:00")
    SlotFactory(day_of_week=1, start_time="12:00", end_time="14:00")

    assert auth_client.post(URL, slot(1, "12:00", "14:00"), format="json").status_code == 201
    assert auth_client.post(URL, slot(2, "09:00", "12:00"), format="json").status_code == 201
    assert auth_client.post(URL, slot(1, "22:00", "00:00"), format="json").status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (slot(1, "12:00", "09:00"), "end_time"),
        (slot(1, "12:00", "12:00"), "end_time"),
        (slot(7, "09:00", "10:00"), "day_of_week"),
        (slot(1, "09:00:30", "10:00"), "start_time"),
        ({"day_of_week": 1}, "start_time"),
    ],
)
def test_invalid_slots_are_refused(auth_client, body, field):
    response = auth_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert AvailabilitySlot.objects.count() == 0


def test_patch_checks_overlap_against_the_other_slots(auth_client):
    first = SlotFactory(user=auth_client.user, day_of_week=0, start_time="09:00", end_time="10:00")
    SlotFactory(user=auth_client.user, day_of_week=0, start_time="11:00", end_time="12:00")

    moved = auth_client.patch(f"{URL}{first.pk}/", {"end_time": "10:30:00"}, format="json")
    clash = auth_client.patch(f"{URL}{first.pk}/", {"end_time": "11:30:00"}, format="json")

    assert moved.status_code == 200
    assert clash.status_code == 400
    first.refresh_from_db()
    assert str(first.end_time) == "10:30:00"


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_another_members_slot_is_404_on_write(auth_client, method):
    theirs = SlotFactory(day_of_week=0, start_time="09:00", end_time="10:00")

    response = getattr(auth_client, method)(
        f"{URL}{theirs.pk}/", {"end_time": "11:00"}, format="json"
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert str(theirs.end_time) == "10:00:00"


def test_list_mine_or_another_members_slots(auth_client):
    mine = SlotFactory(user=auth_client.user)
    other = UserFactory()
    theirs = SlotFactory(user=other, day_of_week=4)

    assert [row["id"] for row in auth_client.get(URL).json()["results"]] == [mine.pk]
    by_user = auth_client.get("/api/v1/user-availability/", {"user": other.pk}).json()
    assert [row["id"] for row in by_user["results"]] == [theirs.pk]


def test_delete_a_slot(auth_client):
    mine = SlotFactory(user=auth_client.user)

    assert auth_client.delete(f"{URL}{mine.pk}").status_code == 204
    assert not AvailabilitySlot.objects.exists()


def test_exceptions_crud_and_privacy(auth_client, make_auth_client):
    created = auth_client.post(
        f"{URL}exceptions/",
        {
            "starts_at": "2026-03-23T10:00:00Z",
            "ends_at": "2026-03-23T12:00:00Z",
            "reason": "Dentist",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    exception_id = created.json()["id"]

    patched = auth_client.patch(
        f"{URL}exceptions/{exception_id}/", {"ends_at": "2026-03-23T13:00:00Z"}, format="json"
    )
    backwards = auth_client.patch(
        f"{URL}exceptions/{exception_id}/", {"ends_at": "2026-03-23T09:00:00Z"}, format="json"
    )
    stranger = make_auth_client(UserFactory())

    assert patched.status_code == 200
    assert patched.json()["ends_at"] == "2026-03-23T13:00:00Z"
    assert backwards.status_code == 400
    assert stranger.get(f"{URL}exceptions/{exception_id}/").status_code == 404
    assert stranger.delete(f"{URL}exceptions/{exception_id}/").status_code == 404
    assert stranger.get(f"{URL}exceptions/").json()["count"] == 0
    assert auth_client.delete(f"{URL}exceptions/{exception_id}").status_code == 204
    assert not AvailabilityException.objects.exists()


def test_list_query_count_does_not_grow(auth_client, django_assert_max_num_queries):
    for day in range(7):
        SlotFactory(user=auth_client.user, day_of_week=day)

    # the authenticated user, their subscription facts (billing, cold cache), the count, the page
    with django_assert_max_num_queries(4):
        response = auth_client.get(URL)

    assert response.json()["count"] == 7
