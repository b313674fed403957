"""Demo accounts: staff with their roles, members and experts with complete bilingual profiles.

Idempotent: accounts are looked up by e-mail and only created (with their role) when missing.
Other demo modules rely on the member order (``context.objects["members"]``): Sara teaches guitar,
Youssef cooks, Daniel teaches Python, Mariam calligraphy, Lucas French, Fatima photography …
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import Role, role_group

DEMO_PASSWORD = "skillswap-demo-2026"  # noqa: S105 - printed for the demo on purpose

STAFF = [
    # (label, e-mail, first name, last name, role, other groups, is_superuser)
    ("admin", "admin@skillswap.test", "Amina", "Haddad", Role.ADMIN, [], True),
    ("moderator", "moderator@skillswap.test", "Omar", "Khalil", Role.MODERATOR, [], False),
    ("editor", "editor@skillswap.test", "Layla", "Nasser", Role.MEMBER, ["Editors"], False),
]

# Every third member is an expert (seed 004's "friend": sells paid sessions).
EXPERT_EVERY = 3

# (first, last, display name, bio, city, country, latitude, longitude, time zone, languages,
#  preferred language, interests, communication style)
PROFILES: list[tuple[Any, ...]] = [
    (
        "Sara",
        "Mansour",
        "Sara M.",
        "Guitarist and music teacher. I swap guitar lessons for Arabic conversation practice.",
        "Cairo",
        "EG",
        "30.044420",
        "31.235712",
        "Africa/Cairo",
        ["en", "ar"],
        "en",
        ["music", "guitar", "languages"],
        "friendly",
    ),
    (
        "يوسف",
        "العلي",
        "يوسف",
        "طاهٍ منزلي أحب المطبخ الشامي، وأتعلم الإنجليزية. أعلّم الطبخ مقابل المحادثة.",
        "القاهرة",
        "EG",
        "30.062630",
        "31.249670",
        "Africa/Cairo",
        ["ar", "en"],
        "ar",
        ["طبخ", "لغات", "سفر"],
        "casual",
    ),
    (
        "Daniel",
        "Okafor",
        "Dan the Dev",
        "Backend developer. Python, Django and SQL lessons for beginners and career changers.",
        "Lagos",
        "NG",
        "6.524379",
        "3.379206",
        "Africa/Lagos",
        ["en", "yo"],
        "en",
        ["technology", "programming", "football"],
        "direct",
    ),
    (
        "مريم",
        "الحسيني",
        "مريم الخطاطة",
        "خطاطة أعلّم خط النسخ والرقعة للمبتدئين، وأبحث عمن يعلمني البرمجة.",
        "عمّان",
        "JO",
        "31.953949",
        "35.910635",
        "Asia/Amman",
        ["ar"],
        "ar",
        ["خط عربي", "فنون", "برمجة"],
        "encouraging",
    ),
    (
        "Lucas",
        "Martin",
        "Lucas",
        "Professeur de français à Lyon. I teach French and want to learn photography.",
        "Lyon",
        "FR",
        "45.764043",
        "4.835659",
        "Europe/Paris",
        ["fr", "en"],
        "en",
        ["languages", "photography", "cinema"],
        "friendly",
    ),
    (
        "فاطمة",
        "الزهراء",
        "فاطمة",
        "مصورة فوتوغرافية محترفة. أعلّم التصوير وتعديل الصور، وأتعلم الفرنسية.",
        "الدار البيضاء",
        "MA",
        "33.573110",
        "-7.589843",
        "Africa/Casablanca",
        ["ar", "fr"],
        "ar",
        ["تصوير", "فرنسية", "تصميم"],
        "formal",
    ),
    (
        "Priya",
        "Raman",
        "Priya R.",
        "Data analyst. Excel, statistics and dashboards; learning to cook Middle Eastern food.",
        "Dubai",
        "AE",
        "25.204849",
        "55.270783",
        "Asia/Dubai",
        ["en", "ta", "hi"],
        "en",
        ["data", "cooking", "yoga"],
        "formal",
    ),
    (
        "خالد",
        "الشامي",
        "أبو سامي",
        "مدرس رياضيات متقاعد. أساعد الطلاب في الرياضيات وأتعلم العزف على العود.",
        "دمشق",
        "SY",
        "33.513807",
        "36.276528",
        "Asia/Damascus",
        ["ar"],
        "ar",
        ["رياضيات", "موسيقى", "شطرنج"],
        "encouraging",
    ),
    (
        "Emma",
        "Schulz",
        "Emma",
        "Yoga teacher and German tutor. Happy to swap for Arabic calligraphy.",
        "Berlin",
        "DE",
        "52.520008",
        "13.404954",
        "Europe/Berlin",
        ["de", "en"],
        "en",
        ["yoga", "languages", "art"],
        "casual",
    ),
    (
        "نور",
        "الهدى",
        "نور",
        "مصممة جرافيك، أعلّم فوتوشوب وإليستريتور، وأتعلم الإنجليزية للأعمال.",
        "الرياض",
        "SA",
        "24.713552",
        "46.675296",
        "Asia/Riyadh",
        ["ar", "en"],
        "ar",
        ["تصميم", "فنون", "أعمال"],
        "friendly",
    ),
    (
        "Kenji",
        "Sato",
        "Kenji",
        "Japanese teacher and origami enthusiast. Looking for a cooking partner.",
        "Tokyo",
        "JP",
        "35.676192",
        "139.650311",
        "Asia/Tokyo",
        ["ja", "en"],
        "en",
        ["languages", "origami", "cooking"],
        "formal",
    ),
    (
        "ليلى",
        "بن علي",
        "ليلى",
        "مدربة كتابة إبداعية بالعربية والإنجليزية. Creative writing coach in Arabic and English.",
        "تونس",
        "TN",
        "36.806495",
        "10.181532",
        "Africa/Tunis",
        ["ar", "fr", "en"],
        "ar",
        ["كتابة", "writing", "books"],
        "encouraging",
    ),
]


def member_email(index: int) -> str:
    return f"member{index}@skillswap.test"


def _member_fields(index: int) -> tuple[dict[str, Any], Role]:
    (
        first,
        last,
        display,
        bio,
        city,
        country,
        lat,
        lon,
        time_zone,
        languages,
        language,
        interests,
        style,
    ) = PROFILES[(index - 1) % len(PROFILES)]
    # Members beyond the first round of profiles get a number so names stay distinguishable.
    suffix = "" if index <= len(PROFILES) else f" {index}"
    fields = {
        "first_name": first,
        "last_name": last,
        "display_name": f"{display}{suffix}",
        "bio": bio,
        "city": city,
        "country": country,
        "latitude": Decimal(lat),
        "longitude": Decimal(lon),
        "time_zone": time_zone,
        "languages": languages,
        "language": language,
        "interests": {"interests": interests, "communication_style": style},
        "phone": f"+2010{index:08d}",
    }
    role = Role.EXPERT if index % EXPERT_EVERY == 0 else Role.MEMBER
    return fields, role


def seed(context: Any) -> None:
    # One hash for every demo account: hashing per user would dominate the seeding time.
    password_hash = make_password(DEMO_PASSWORD)
    groups = {role: role_group(role) for role in Role}
    new_users: list[tuple[User, Role, list[str]]] = []

    for label, email, first, last, role, other_groups, is_superuser in STAFF:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "first_name": first,
                "last_name": last,
                "is_staff": True,
                "is_superuser": is_superuser,
                "password": password_hash,
                "language": "ar" if label == "moderator" else "en",
            },
        )
        if created:
            new_users.append((user, role, other_groups))
        context.count("users", created)
        context.credentials.append((label, email, DEMO_PASSWORD))

    members = []
    for index in context.progress(range(1, context.users + 1), "members"):
        fields, role = _member_fields(index)
        user, created = User.objects.get_or_create(
            email=member_email(index), defaults={**fields, "password": password_hash}
        )
        if created:
            new_users.append((user, role, []))
        context.count("users", created)
        members.append(user)

    # Roles and verified addresses for the accounts created now, in two bulk inserts.
    memberships = User.groups.through
    other = {group.name: group for group in Group.objects.filter(name="Editors")}
    memberships.objects.bulk_create(
        [
            memberships(user_id=user.pk, group_id=group.pk)
            for user, role, other_groups in new_users
            for group in [groups[role], *(other[name] for name in other_groups if name in other)]
        ],
        ignore_conflicts=True,
    )
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user=user, email=user.email, verified=True, primary=True)
            for user, _, _ in new_users
        ],
        ignore_conflicts=True,
    )

    context.objects["members"] = members
    context.objects["experts"] = [
        member for index, member in enumerate(members, start=1) if index % EXPERT_EVERY == 0
    ]
    context.credentials.append(
        ("member", f"{member_email(1)} … {member_email(context.users)}", DEMO_PASSWORD)
    )
    context.credentials.append(
        (
            "expert",
            f"{member_email(EXPERT_EVERY)}, {member_email(2 * EXPERT_EVERY)} …",
            DEMO_PASSWORD,
        )
    )
