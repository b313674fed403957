"""The compatibility score of two members: terms, weights, and the reasons that explain it.

    score = round(100 × Σ points / Σ weights)          (0–100)

- a_offers_b_wants (weight 30): 30 × the best proficiency factor among the skills A offers and
  B wants;
- b_offers_a_wants (30): the same, the other way round;
- rating (10): 10 × mean(both ratings) / 5, an unrated member counting as 3.0;
- shared_language (10): 10 if they speak at least one language in common;
- availability (15): 15 × min(1, weekly shared minutes / MARKETPLACE_MATCH_FULL_OVERLAP_MINUTES),
  this week's slots placed in each member's own time zone;
- distance (5): 5 × max(0, 1 − km / MARKETPLACE_MATCH_MAX_DISTANCE_KM), counted only when one of
  them has an active in-person offer (weight 0 otherwise; no coordinates gives 0 points).

Proficiency factors: beginner 0.25, intermediate 0.5, advanced 0.75, expert 1.
Two members are candidates only if at least one of the two skill terms is non-zero.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings

from marketplace.models import AvailabilitySlot, Proficiency
from marketplace.selectors import merge_intervals, slot_intervals, user_zone

PROFICIENCY_FACTOR = {
    Proficiency.BEGINNER: 0.25,
    Proficiency.INTERMEDIATE: 0.5,
    Proficiency.ADVANCED: 0.75,
    Proficiency.EXPERT: 1.0,
}
WEIGHTS = {
    "a_offers_b_wants": 30,
    "b_offers_a_wants": 30,
    "rating": 10,
    "shared_language": 10,
    "availability": 15,
    "distance": 5,
}
NEUTRAL_RATING = 3.0


@dataclass
class SkillRef:
    id: int
    slug: str
    name_en: str
    name_ar: str

    def as_json(self, **extra: Any) -> dict[str, Any]:
        return {
            "id": self.id,
            "slug": self.slug,
            "name_en": self.name_en,
            "name_ar": self.name_ar,
            **extra,
        }


@dataclass
class MatchProfile:
    """Everything the score needs about one member, loaded in bulk by the services."""

    user_id: int
    offered: dict[int, str] = field(default_factory=dict)  # skill id → proficiency
    wanted: set[int] = field(default_factory=set)
    skills: dict[int, SkillRef] = field(default_factory=dict)
    languages: set[str] = field(default_factory=set)
    rating_average: float = 0.0
    rating_count: int = 0
    latitude: float | None = None
    longitude: float | None = None
    has_in_person_offer: bool = False
    # This week's availability as merged UTC intervals.
    week: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)


def reference_week(at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The UTC week (Monday 00:00 → next Monday) containing ``at``."""
    at = at.astimezone(dt.UTC)
    monday = (at - dt.timedelta(days=at.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return monday, monday + dt.timedelta(days=7)


def week_intervals(
    slots: Sequence[AvailabilitySlot], user: Any, week: tuple[dt.datetime, dt.datetime]
) -> list[tuple[dt.datetime, dt.datetime]]:
    start, end = week
    return [
        (max(s, start), min(e, end))
        for s, e in slot_intervals(slots, user_zone(user), start, end)
        if e > start and s < end
    ]


def shared_minutes(
    first: list[tuple[dt.datetime, dt.datetime]], second: list[tuple[dt.datetime, dt.datetime]]
) -> int:
    total = 0.0
    first, second = merge_intervals(first), merge_intervals(second)
    i = j = 0
    while i < len(first) and j < len(second):
        start = max(first[i][0], second[j][0])
        end = min(first[i][1], second[j][1])
        if end > start:
            total += (end - start).total_seconds()
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return int(total // 60)


def distance_km(
    lat1: float | Decimal | None,
    lng1: float | Decimal | None,
    lat2: float | Decimal | None,
    lng2: float | Decimal | None,
) -> float | None:
    if None in (lat1, lng1, lat2, lng2):
        return None
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    dphi = phi2 - phi1
    dlambda = math.radians(float(lng2) - float(lng1))
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def _provides(giver: MatchProfile, taker: MatchProfile) -> tuple[float, list[dict[str, Any]]]:
    overlap = sorted(set(giver.offered) & taker.wanted)
    if not overlap:
        return 0.0, []
    best = max(PROFICIENCY_FACTOR[giver.offered[skill_id]] for skill_id in overlap)
    skills = [
        giver.skills[skill_id].as_json(proficiency=giver.offered[skill_id]) for skill_id in overlap
    ]
    return best, skills


def _effective_rating(profile: MatchProfile) -> float:
    return profile.rating_average if profile.rating_count > 0 else NEUTRAL_RATING


@dataclass
class Score:
    value: int
    reasons: list[dict[str, Any]]

    @property
    def is_candidate(self) -> bool:
        return any(
            reason["code"] in {"a_offers_b_wants", "b_offers_a_wants"} and reason["points"] > 0
            for reason in self.reasons
        )


def compatibility(a: MatchProfile, b: MatchProfile) -> Score:
    """Score the pair (A is the member with the smaller id) and explain every term."""
    reasons: list[dict[str, Any]] = []

    factor, skills = _provides(a, b)
    reasons.append(
        {
            "code": "a_offers_b_wants",
            "weight": WEIGHTS["a_offers_b_wants"],
            "points": round(WEIGHTS["a_offers_b_wants"] * factor, 2),
            "skills": skills,
        }
    )
    factor, skills = _provides(b, a)
    reasons.append(
        {
            "code": "b_offers_a_wants",
            "weight": WEIGHTS["b_offers_a_wants"],
            "points": round(WEIGHTS["b_offers_a_wants"] * factor, 2),
            "skills": skills,
        }
    )

    ratings = [_effective_rating(a), _effective_rating(b)]
    reasons.append(
        {
            "code": "rating",
            "weight": WEIGHTS["rating"],
            "points": round(WEIGHTS["rating"] * (sum(ratings) / 2) / 5, 2),
            "ratings": ratings,
        }
    )

    languages = sorted(a.languages & b.languages)
    reasons.append(
        {
            "code": "shared_language",
            "weight": WEIGHTS["shared_language"],
            "points": float(WEIGHTS["shared_language"]) if languages else 0.0,
            "languages": languages,
        }
    )

    minutes = shared_minutes(a.week, b.week)
    full = max(int(settings.MARKETPLACE_MATCH_FULL_OVERLAP_MINUTES), 1)
    reasons.append(
        {
            "code": "availability",
            "weight": WEIGHTS["availability"],
            "points": round(WEIGHTS["availability"] * min(1.0, minutes / full), 2),
            "minutes": minutes,
        }
    )

    applicable = a.has_in_person_offer or b.has_in_person_offer
    km = distance_km(a.latitude, a.longitude, b.latitude, b.longitude)
    limit = float(settings.MARKETPLACE_MATCH_MAX_DISTANCE_KM)
    points = 0.0
    if applicable and km is not None and limit > 0:
        points = round(WEIGHTS["distance"] * max(0.0, 1 - km / limit), 2)
    reasons.append(
        {
            "code": "distance",
            "weight": WEIGHTS["distance"] if applicable else 0,
            "points": points,
            "distance_km": round(km, 1) if km is not None else None,
        }
    )

    total_weight = sum(reason["weight"] for reason in reasons)
    total_points = sum(reason["points"] for reason in reasons)
    # Half up (not Python's half-to-even), so hand-computed scores agree.
    value = math.floor(100 * total_points / total_weight + 0.5) if total_weight else 0
    return Score(value=max(0, min(100, value)), reasons=reasons)
