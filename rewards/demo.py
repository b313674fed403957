"""Demo points: every member's wallet with its signup bonus, staff grants and a few tips; and the
badges (definitions with their tiers, in English and Arabic, and one staff-awarded badge).

Idempotent like every demo module: each movement carries a fixed idempotency key, so a second run
replays them and moves nothing. The plan is computed from the configured amounts, not from the
database, so both runs attempt exactly the same movements.
"""

from __future__ import annotations

import random
from typing import Any

from django.conf import settings

from accounts.models import User
from rewards.models import BadgeAward, BadgeDefinition, BadgeIcon, Counter, Reason
from rewards.services import points_grant, points_transfer, signup_bonus_grant

GRANTS = [
    (20, "Hosted the welcome workshop"),
    (10, "Helped newcomers in the forum"),
    (15, "Top-rated teacher this month"),
    (5, "Volunteered at the community event"),
]

TIPS = [
    "Thanks for the Arabic calligraphy session!",
    "Great guitar lesson, see you next week",
    "شكراً على درس البرمجة",
    "For the extra half hour on Excel",
    "Merci pour la conversation en français",
    "Thanks for reviewing my CV",
]


# slug, icon, counter, (bronze, silver, gold) thresholds, (rewards), English, Arabic.
# Earned badges come from the demo's swaps, reviews, forums and events: their services feed the
# activity counters (rewards.activity), and those award the tiers. This runs before them.
BADGES: list[tuple[str, str, str, tuple, tuple, tuple[str, str], tuple[str, str]]] = [
    (
        "first-lesson",
        BadgeIcon.MEDAL,
        Counter.SESSIONS_TAUGHT,
        (1, None, None),
        (5, 0, 0),
        ("First lesson", "Taught a first session to another member."),
        ("الدرس الأول", "قدّم أول جلسة لعضو آخر."),
    ),
    (
        "teacher",
        BadgeIcon.TROPHY,
        Counter.SESSIONS_TAUGHT,
        (3, 10, 25),
        (5, 15, 40),
        ("Teacher", "Teaches sessions again and again."),
        ("المعلّم", "يقدّم الجلسات مرة بعد مرة."),
    ),
    (
        "learner",
        BadgeIcon.BOOK,
        Counter.SESSIONS_LEARNED,
        (1, 5, 15),
        (2, 5, 10),
        ("Curious learner", "Learns from other members."),
        ("متعلّم شغوف", "يتعلّم من الأعضاء الآخرين."),
    ),
    (
        "five-stars",
        BadgeIcon.STAR,
        Counter.HIGH_REVIEWS,
        (1, 5, 20),
        (3, 10, 25),
        ("Five stars", "Received reviews of four stars or more."),
        ("خمس نجوم", "حصل على تقييمات بأربع نجوم أو أكثر."),
    ),
    (
        "forum-helper",
        BadgeIcon.CHAT,
        Counter.ANSWERS_ACCEPTED,
        (1, 10, 25),
        (2, 10, 20),
        ("Forum helper", "Wrote answers the asker accepted."),
        ("مساعد المنتدى", "كتب إجابات قبلها السائل."),
    ),
    (
        "event-host",
        BadgeIcon.CALENDAR,
        Counter.EVENTS_HOSTED,
        (1, 3, 10),
        (5, 10, 20),
        ("Event host", "Hosted community events."),
        ("مضيف الفعاليات", "استضاف فعاليات للمجتمع."),
    ),
    (
        "supporter",
        BadgeIcon.COIN,
        Counter.POINTS_BOUGHT,
        (50, 200, 1000),
        (0, 0, 0),
        ("Supporter", "Bought points to support the community."),
        ("داعم", "اشترى نقاطًا لدعم المجتمع."),
    ),
    (
        "founding-member",
        BadgeIcon.HEART,
        "",
        (None, None, None),
        (0, 0, 0),
        ("Founding member", "Joined SkillSwap in its first season."),
        ("عضو مؤسس", "انضم إلى سكيل سواب في موسمه الأول."),
    ),
]


def seed_badges(context: Any, granter: User | None, members: list[User]) -> None:
    """The badge definitions (created once, never overwritten) and the founders' badge."""
    from rewards.badges import badge_award

    for order, (slug, icon, counter, thresholds, rewards, english, arabic) in enumerate(BADGES):
        badge, created = BadgeDefinition.objects.get_or_create(
            slug=slug,
            defaults={
                "icon": icon,
                "counter": counter,
                "threshold_bronze": thresholds[0],
                "threshold_silver": thresholds[1],
                "threshold_gold": thresholds[2],
                "reward_bronze": rewards[0],
                "reward_silver": rewards[1],
                "reward_gold": rewards[2],
                "name_en": english[0],
                "description_en": english[1],
                "name_ar": arabic[0],
                "description_ar": arabic[1],
                "sort_order": (order + 1) * 10,
            },
        )
        context.count("badges", created)
    founders = BadgeDefinition.objects.get(slug="founding-member")
    if granter is None:
        return
    for member in members[:3]:
        if BadgeAward.objects.filter(user=member, badge=founders).exists():
            continue
        badge_award(user=member, badge=founders, by=granter, reason="Demo: early member")
        context.count("badge awards", True)


def seed(context: Any) -> None:
    members: list[User] = context.objects.get("members") or list(
        User.objects.filter(email__startswith="member").order_by("pk")
    )
    granter = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    seed_badges(context, granter, members)
    if not members or granter is None:
        return
    rng = random.Random(6)  # the same history on every run
    planned = {member.pk: max(settings.POINTS_SIGNUP_BONUS, 0) for member in members}

    for member in context.progress(members, "wallets"):
        transfer = signup_bonus_grant(user=member)
        context.count("points transfers", transfer is not None and not transfer.replayed)

    for index, member in enumerate(members):
        if index % 2:
            continue
        amount, reason = GRANTS[(index // 2) % len(GRANTS)]
        transfer = points_grant(
            user=member,
            amount=amount,
            reason=reason,
            granted_by=granter,
            idempotency_key=f"demo:grant:{member.email}",
        )
        planned[member.pk] += amount
        context.count("points transfers", not transfer.replayed)

    if len(members) < 2:
        return
    for number in range(min(3 * len(members), 36)):
        source, target = rng.sample(members, 2)
        amount = rng.randint(1, 4)
        if planned[source.pk] < amount:
            continue
        transfer = points_transfer(
            source=source,
            target=target,
            amount=amount,
            reason=Reason.TIP,
            note=rng.choice(TIPS),
            idempotency_key=f"demo:tip:{number}",
            initiated_by=source,
        )
        planned[source.pk] -= amount
        planned[target.pk] += amount
        context.count("points transfers", not transfer.replayed)
