"""Demo accounts: staff, moderator, editor and members in Arabic and English."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from accounts.models import User

DEMO_PASSWORD = "skillswap-demo-2026"  # noqa: S105 - printed for the demo on purpose

STAFF = [
    # (role, e-mail, first name, last name, groups, is_staff, is_superuser)
    ("admin", "admin@skillswap.test", "Amina", "Haddad", [], True, True),
    ("moderator", "moderator@skillswap.test", "Omar", "Khalil", ["Moderators"], True, False),
    ("editor", "editor@skillswap.test", "Layla", "Nasser", ["Editors"], True, False),
]

MEMBER_NAMES = [
    ("Sara", "Mansour"),
    ("يوسف", "العلي"),
    ("Daniel", "Okafor"),
    ("مريم", "الحسيني"),
    ("Lucas", "Martin"),
    ("فاطمة", "الزهراء"),
    ("Priya", "Raman"),
    ("خالد", "الشامي"),
    ("Emma", "Schulz"),
    ("نور", "الهدى"),
    ("Kenji", "Sato"),
    ("ليلى", "بن علي"),
]


def member_email(index: int) -> str:
    return f"member{index}@skillswap.test"


def seed(context: Any) -> None:
    # One hash for every demo account: hashing per user would dominate the seeding time.
    password_hash = make_password(DEMO_PASSWORD)
    for role, email, first, last, groups, is_staff, is_superuser in STAFF:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "first_name": first,
                "last_name": last,
                "is_staff": is_staff,
                "is_superuser": is_superuser,
                "password": password_hash,
            },
        )
        if created:
            user.groups.add(*Group.objects.filter(name__in=groups))
        context.count("users", created)
        context.credentials.append((role, email, DEMO_PASSWORD))

    members = []
    for index in context.progress(range(1, context.users + 1), "members"):
        first, last = MEMBER_NAMES[(index - 1) % len(MEMBER_NAMES)]
        user, created = User.objects.get_or_create(
            email=member_email(index),
            defaults={"first_name": first, "last_name": last, "password": password_hash},
        )
        context.count("users", created)
        members.append(user)
    context.objects["members"] = members
    context.credentials.append(
        ("member", f"{member_email(1)} … {member_email(context.users)}", DEMO_PASSWORD)
    )
