"""Demo points: every member's wallet with its signup bonus, staff grants and a few tips.

Idempotent like every demo module: each movement carries a fixed idempotency key, so a second run
replays them and moves nothing. The plan is computed from the configured amounts, not from the
database, so both runs attempt exactly the same movements.
"""

from __future__ import annotations

import random
from typing import Any

from django.conf import settings

from accounts.models import User
from rewards.models import Reason
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


def seed(context: Any) -> None:
    members: list[User] = context.objects.get("members") or list(
        User.objects.filter(email__startswith="member").order_by("pk")
    )
    granter = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
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
