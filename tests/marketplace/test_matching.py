"""The compatibility score, computed by hand for a few pairs, with the reasons that explain it."""

import datetime as dt
from decimal import Decimal

import pytest

from marketplace import services
from marketplace.models import Match, MatchStatus, OfferMode
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import SkillFactory, SlotFactory, UserSkillFactory, make_offer

pytestmark = pytest.mark.django_db
# A Wednesday in January: London is on UTC, so local times are UTC times.
WINTER = dt.datetime(2026, 1, 14, 12, 0, tzinfo=dt.UTC)


def _reasons(match: Match) -> dict[str, dict]:
    return {reason["code"]: reason for reason in match.reasons}


@pytest.fixture
def python():
    return SkillFactory(name_en="Python", name_ar="بايثون", slug="python")


@pytest.fixture
def guitar():
    return SkillFactory(name_en="Guitar", name_ar="الجيتار", slug="guitar")


def test_reciprocal_pair_with_language_and_availability(python, guitar):
    # given A offers Python (expert) and wants guitar; B offers guitar (intermediate) and wants
    # Python; they share English and one hour on Monday evening; nobody is rated; no in-person
    # offer, so distance does not count
    a = UserFactory(languages=["ar", "en"], time_zone="UTC")
    b = UserFactory(languages=["en"], time_zone="Europe/London")
    UserSkillFactory(user=a, skill=python, direction="offered", proficiency_level="expert")
    UserSkillFactory(user=a, skill=guitar, direction="wanted", proficiency_level="beginner")
    UserSkillFactory(user=b, skill=guitar, direction="offered", proficiency_level="intermediate")
    UserSkillFactory(user=b, skill=python, direction="wanted", proficiency_level="beginner")
    SlotFactory(user=a, day_of_week=0, start_time=dt.time(18), end_time=dt.time(21))
    SlotFactory(user=b, day_of_week=0, start_time=dt.time(19), end_time=dt.time(20))

    # when
    services.matches_recompute_for_user(user_id=a.pk, at=WINTER)

    # then 30 + 15 + 6 + 10 + 7.5 = 68.5 points of 95 → 72
    match = Match.objects.get()
    assert (match.user_a_id, match.user_b_id) == (a.pk, b.pk)
    reasons = _reasons(match)
    assert {code: (r["weight"], r["points"]) for code, r in reasons.items()} == {
        "a_offers_b_wants": (30, 30.0),
        "b_offers_a_wants": (30, 15.0),
        "rating": (10, 6.0),
        "shared_language": (10, 10.0),
        "availability": (15, 7.5),
        "distance": (0, 0.0),
    }
    assert match.compatibility_score == 72
    assert reasons["a_offers_b_wants"]["skills"] == [
        {
            "id": python.pk,
            "slug": "python",
            "name_en": "Python",
            "name_ar": "بايثون",
            "proficiency": "expert",
        }
    ]
    assert reasons["shared_language"]["languages"] == ["en"]
    assert reasons["availability"]["minutes"] == 60
    assert reasons["rating"]["ratings"] == [3.0, 3.0]
    assert match.status == MatchStatus.PENDING


def test_one_way_pair_next_door_with_ratings(python):
    # given A teaches Python as a beginner in person; B wants it and lives at the same place;
    # A is rated 4.5, B 5.0; no shared language and no availability
    place = {"latitude": Decimal("30.044420"), "longitude": Decimal("31.235712")}
    a = UserFactory(languages=["fr"], rating_average=Decimal("4.50"), rating_count=2, **place)
    b = UserFactory(languages=["ar"], rating_average=Decimal("5.00"), rating_count=1, **place)
    UserSkillFactory(user=a, skill=python, direction="offered", proficiency_level="beginner")
    UserSkillFactory(user=b, skill=python, direction="wanted")
    make_offer(owner=a, offered=[python], mode=OfferMode.OFFLINE, location="Cairo", **place)

    # when
    services.matches_recompute_for_user(user_id=b.pk, at=WINTER)

    # then 7.5 + 0 + 9.5 + 0 + 0 + 5 = 22 points of 100 → 22
    match = Match.objects.get()
    reasons = _reasons(match)
    assert {code: (r["weight"], r["points"]) for code, r in reasons.items()} == {
        "a_offers_b_wants": (30, 7.5),
        "b_offers_a_wants": (30, 0.0),
        "rating": (10, 9.5),
        "shared_language": (10, 0.0),
        "availability": (15, 0.0),
        "distance": (5, 5.0),
    }
    assert reasons["distance"]["distance_km"] == 0.0
    assert reasons["b_offers_a_wants"]["skills"] == []
    assert match.compatibility_score == 22


def test_distance_beyond_the_limit_gives_nothing(python):
    # given the same one-way pair, but one degree of latitude (~111 km) apart
    a = UserFactory(latitude=Decimal("30.000000"), longitude=Decimal("31.000000"))
    b = UserFactory(latitude=Decimal("31.000000"), longitude=Decimal("31.000000"))
    UserSkillFactory(user=a, skill=python, direction="offered", proficiency_level="advanced")
    UserSkillFactory(user=b, skill=python, direction="wanted")
    make_offer(
        owner=a,
        offered=[python],
        mode=OfferMode.BOTH,
        location="Cairo",
        latitude=a.latitude,
        longitude=a.longitude,
    )

    services.matches_recompute_for_user(user_id=a.pk, at=WINTER)

    # then 22.5 + 0 + 6 + 0 + 0 + 0 = 28.5 of 100 → 29 (half up)
    reasons = _reasons(Match.objects.get())
    assert reasons["distance"]["weight"] == 5
    assert reasons["distance"]["points"] == 0.0
    assert reasons["distance"]["distance_km"] == 111.2
    assert Match.objects.get().compatibility_score == 29


def test_availability_overlap_is_measured_across_time_zones(python):
    # given A in Cairo (UTC+2) free Monday 20:00–23:00 local, B in UTC free Monday 18:00–20:00
    a = UserFactory(time_zone="Africa/Cairo")
    b = UserFactory(time_zone="UTC")
    UserSkillFactory(user=a, skill=python, direction="offered", proficiency_level="expert")
    UserSkillFactory(user=b, skill=python, direction="wanted")
    SlotFactory(user=a, day_of_week=0, start_time=dt.time(20), end_time=dt.time(23))
    SlotFactory(user=b, day_of_week=0, start_time=dt.time(18), end_time=dt.time(20))

    services.matches_recompute_for_user(user_id=a.pk, at=WINTER)

    # then they share 18:00–20:00 UTC: two hours, the full availability term
    reasons = _reasons(Match.objects.get())
    assert reasons["availability"] == {
        "code": "availability",
        "weight": 15,
        "points": 15.0,
        "minutes": 120,
    }


def test_no_skill_in_common_means_no_match(python, guitar):
    a = UserFactory(languages=["en"])
    b = UserFactory(languages=["en"])
    UserSkillFactory(user=a, skill=python, direction="offered")
    UserSkillFactory(user=b, skill=guitar, direction="wanted")

    assert services.matches_recompute_for_user(user_id=a.pk, at=WINTER) == 0
    assert Match.objects.count() == 0


def test_recompute_keeps_answers_and_drops_untouched_stale_matches(python, guitar):
    # given two matches of A: one B answered, one C never answered
    a = UserFactory()
    b = UserFactory()
    c = UserFactory()
    UserSkillFactory(user=a, skill=python, direction="offered", proficiency_level="expert")
    UserSkillFactory(user=b, skill=python, direction="wanted")
    UserSkillFactory(user=c, skill=python, direction="wanted")
    services.matches_recompute_for_user(user_id=a.pk, at=WINTER)
    answered = Match.objects.get(user_b=b)
    services.match_respond(match=answered, user=b, accept=True)

    # when A stops offering Python
    a.user_skills.all().delete()
    services.matches_recompute_for_user(user_id=a.pk, at=WINTER)

    # then the answered match stays (rescored to no skill points), the other one is gone
    remaining = Match.objects.get()
    assert remaining.pk == answered.pk
    assert remaining.b_response == MatchStatus.ACCEPTED
    assert _reasons(remaining)["a_offers_b_wants"]["points"] == 0.0


def test_recompute_is_idempotent(python):
    a = UserFactory()
    b = UserFactory()
    UserSkillFactory(user=a, skill=python, direction="offered")
    UserSkillFactory(user=b, skill=python, direction="wanted")

    services.matches_recompute_for_user(user_id=a.pk, at=WINTER)
    first = list(Match.objects.values_list("pk", "compatibility_score", "reasons"))
    services.matches_recompute_for_user(user_id=b.pk, at=WINTER)

    assert list(Match.objects.values_list("pk", "compatibility_score", "reasons")) == first


def test_suspended_members_are_not_matched(python):
    from django.utils import timezone

    a = UserFactory()
    b = UserFactory(suspended_at=timezone.now())
    UserSkillFactory(user=a, skill=python, direction="offered")
    UserSkillFactory(user=b, skill=python, direction="wanted")

    assert services.matches_recompute_for_user(user_id=a.pk, at=WINTER) == 0


def test_the_number_of_matches_per_member_is_capped(python, settings):
    settings.MARKETPLACE_MATCH_MAX_PER_USER = 2
    a = UserFactory()
    UserSkillFactory(user=a, skill=python, direction="offered")
    for _ in range(4):
        UserSkillFactory(user=UserFactory(), skill=python, direction="wanted")

    assert services.matches_recompute_for_user(user_id=a.pk, at=WINTER) == 2


def test_match_respond_state_machine(python):
    a = UserFactory()
    b = UserFactory()
    match = services.match_create(created_by=UserFactory(is_staff=True), user_a=b, user_b=a)
    assert (match.user_a_id, match.user_b_id) == tuple(sorted((a.pk, b.pk)))

    match = services.match_respond(match=match, user=a, accept=True)
    assert match.status == MatchStatus.PENDING
    match = services.match_respond(match=match, user=b, accept=True)
    assert match.status == MatchStatus.ACCEPTED
    match = services.match_respond(match=match, user=a, accept=False)
    assert match.status == MatchStatus.DECLINED
