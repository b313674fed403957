"""Scale data for load tests (``manage.py seed_scale``; docs/benchmarks.md, "Under load").

Members ``member<i>@scale.skillswap.test`` (one password, hashed once), e-mail verified, with
skills, all-day weekly availability, a wallet credited through the points ledger, bilingual
offers (Arabic and English titles and descriptions from ``marketplace.demo``'s catalogue) with
their search documents, and direct threads with messages.

Members come in pairs, ``(2p, 2p + 1)``: the odd one is an expert whose offers are priced in
points, the even one a member whose offers are swaps. The load harness
(``tests/benchmarks/load/``) has the even member request sessions of its partner's offers and the
partner accept them, so no two simulated users ever compete for one diary.

Rows go in with PostgreSQL ``COPY`` (``bulk_create`` on SQLite) after their ids are reserved
from the tables' sequences; the search documents are built with the same normalisation
(``marketplace.search``) and the same weighted ``tsvector`` expression as
``marketplace.services.offer_search_refresh``, once per distinct document. Points are never
written directly: each member gets one staff grant through ``rewards.services.points_grant``.

The content is deterministic for a given ``seed``; timestamps are relative to the run.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role, role_group
from core.exceptions import Conflict
from marketplace import search
from marketplace.demo import CATEGORIES, OFFERS, SKILLS
from marketplace.models import (
    AvailabilitySlot,
    Category,
    Direction,
    Offer,
    Skill,
    SkillStatus,
    UserSkill,
    offer_expiry_default,
)
from marketplace.services import search_vocabulary_add
from messaging.models import Message, Thread, ThreadParticipant

EMAIL_DOMAIN = "scale.skillswap.test"
PASSWORD = "skillswap-scale-2026"  # noqa: S105 - the load harness signs in with it on purpose
GRANTER_EMAIL = f"points-granter@{EMAIL_DOMAIN}"
GRANT_POINTS = 5000
GRANT_REASON = "Load-test wallet (seed_scale)"
MIDNIGHT = dt.time(0, 0)

Progress = Callable[[str, int], Callable[[int], None]]


def member_email(index: int) -> str:
    return f"member{index}@{EMAIL_DOMAIN}"


def is_expert(index: int) -> bool:
    """The odd member of each pair sells paid sessions."""
    return index % 2 == 1


FIRST_NAMES = [
    ("Sara", "en"),
    ("يوسف", "ar"),
    ("Daniel", "en"),
    ("مريم", "ar"),
    ("Lucas", "en"),
    ("فاطمة", "ar"),
    ("Priya", "en"),
    ("عمر", "ar"),
    ("Hannah", "en"),
    ("ليلى", "ar"),
    ("Kenji", "en"),
    ("خالد", "ar"),
]
LAST_NAMES = {
    "en": ["Mansour", "Okafor", "Martin", "Shah", "Weber", "Sato", "Haddad", "Silva"],
    "ar": ["العلي", "حداد", "الخطيب", "النجار", "المصري", "السيد", "الحسن", "يوسف"],
}
VARIANTS = {
    "en": ["", " (evenings)", " (weekends)", " — group sessions", " — one to one"],
    "ar": ["", " (مساءً)", " (نهاية الأسبوع)", " — جلسات جماعية", " — جلسة فردية"],
}
MESSAGES = [
    "Hi! Is your next session still open?",
    "مرحبا! هل ما زال موعد الجلسة القادمة متاحا؟",
    "Thanks for the lesson, see you next week.",
    "شكرا على الدرس، أراك الأسبوع القادم.",
    "Could we move to Thursday evening?",
    "هل يمكن أن نجعلها مساء الخميس؟",
]


class AlreadySeeded(Conflict):
    code = "already_seeded"


@dataclass(frozen=True)
class ScalePlan:
    users: int
    offers: int
    threads: int = 0
    messages: int = 0
    swaps: int = 0
    seed: int = 42
    append: bool = False


@dataclass
class ScaleResult:
    first_index: int
    counts: dict[str, int] = field(default_factory=dict)


def _no_progress(_label: str, _total: int) -> Callable[[int], None]:
    return lambda _advance: None


# --- bulk rows ---------------------------------------------------------------------------------


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys from the table's sequence (PostgreSQL)."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _column_values(
    model: type[models.Model], rows: Sequence[dict[str, Any]]
) -> tuple[list[str], list[list[Any]]]:
    """Every concrete column of ``model`` for each row: given values, else the field's default."""
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and "id" not in rows[0])]
    columns = [str(f.column) for f in fields]
    values = []
    for row in rows:
        line = []
        for f in fields:
            if f.attname in row:
                value = row[f.attname]
            elif f.name in row:
                value = row[f.name]
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            else:
                value = f.get_default()
            line.append(f.get_db_prep_save(value, connection))
        values.append(line)
    return columns, values


def bulk_insert(
    model: type[models.Model],
    rows: Sequence[dict[str, Any]],
    advance: Callable[[int], None] = lambda _n: None,
) -> list[int]:
    """Insert ``rows`` (field name → value) and return their primary keys, in order.

    PostgreSQL: ids reserved from the sequence, then one ``COPY``. Elsewhere: ``bulk_create``.
    """
    if not rows:
        return []
    if not _postgresql():
        ids: list[int] = []
        for start in range(0, len(rows), 2000):
            chunk = rows[start : start + 2000]
            created = model._default_manager.bulk_create([model(**row) for row in chunk])
            ids.extend(obj.pk for obj in created)
            advance(len(chunk))
        return ids
    ids = _reserve_ids(model, len(rows))
    rows = [{"id": pk, **row} for pk, row in zip(ids, rows, strict=True)]
    columns, values = _column_values(model, rows)
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"COPY {table} ({quoted}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for index, line in enumerate(values, start=1):
            copy.write_row(line)
            if index % 5000 == 0:
                advance(5000)
    advance(len(values) % 5000)
    return ids


# --- the plan ----------------------------------------------------------------------------------


def scale_users_count() -> int:
    return (
        User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").exclude(email=GRANTER_EMAIL).count()
    )


def _catalogue() -> tuple[dict[str, Category], dict[str, Skill]]:
    """The catalogue of ``marketplace.demo`` (created when missing, as ``seed_demo`` does)."""
    categories: dict[str, Category] = {}
    for order, (slug, name_en, name_ar, icon, parent_slug) in enumerate(CATEGORIES):
        categories[slug], _ = Category.objects.get_or_create(
            slug=slug,
            defaults={
                "name_en": name_en,
                "name_ar": name_ar,
                "icon": icon,
                "sort_order": order,
                "parent": categories.get(parent_slug) if parent_slug else None,
            },
        )
    skills: dict[str, Skill] = {}
    for slug, name_en, name_ar, category_slug, synonyms in SKILLS:
        skill = Skill.objects.filter(slug=slug).first()
        if skill is None:
            skill = Skill(
                slug=slug,
                name_en=name_en,
                name_ar=name_ar,
                category=categories[category_slug],
                synonyms=synonyms,
            )
            skill.save()  # computes search_text
        skills[slug] = skill
    return categories, skills


@dataclass(frozen=True)
class _Document:
    title: str
    description: str
    category: str
    offered: tuple[str, ...]
    desired: tuple[str, ...]
    mode: str
    language: str
    price: int
    minutes: int


def _documents() -> list[_Document]:
    documents = []
    for title, description, category, offered, desired, mode, language, price, minutes in OFFERS:
        for variant in VARIANTS[language]:
            documents.append(
                _Document(
                    title + variant,
                    description,
                    category,
                    tuple(offered),
                    tuple(desired),
                    str(mode),
                    language,
                    price,
                    minutes,
                )
            )
    return documents


# The weighted tsvector of marketplace.search.OFFER_DOCUMENT_UPDATE_SQL, as a SELECT over the
# distinct documents (title A, skill and category names B, description C).
DOCUMENT_VECTOR_SQL = """
SELECT (setweight(to_tsvector('simple', t) || to_tsvector('english', t)
                  || to_tsvector('arabic', t), 'A')
        || setweight(to_tsvector('simple', s) || to_tsvector('english', s)
                     || to_tsvector('arabic', s), 'B')
        || setweight(to_tsvector('simple', d) || to_tsvector('english', d)
                     || to_tsvector('arabic', d), 'C'))::text
FROM unnest(%s::text[], %s::text[], %s::text[]) WITH ORDINALITY AS doc(t, s, d, n)
ORDER BY n
"""


def _search_documents(
    documents: Sequence[_Document], categories: dict[str, Category], skills: dict[str, Skill]
) -> list[tuple[str, str | None]]:
    """``(search_text, search_vector text or None)`` per document, as offer_search_refresh."""
    parts = []
    for document in documents:
        category = categories[document.category]
        # django-modeltranslation's columns (marketplace/translation.py).
        names: list[str | None] = [
            getattr(category, "name_en", None),
            getattr(category, "name_ar", None),
        ]
        # In the order offer_search_refresh reads them: offered, then desired, each by id.
        ordered = [
            *sorted(document.offered, key=lambda slug: skills[slug].pk),
            *sorted(document.desired, key=lambda slug: skills[slug].pk),
        ]
        for slug in ordered:
            skill = skills[slug]
            if skill.status != SkillStatus.APPROVED:
                continue
            names.extend(
                [
                    getattr(skill, "name_en", None),
                    getattr(skill, "name_ar", None),
                    skill.synonyms.replace(",", " "),
                ]
            )
        title = search.normalise(document.title)
        skill_text = search.normalise(*names)
        description = search.normalise(document.description)
        parts.append((title, skill_text, description))
    texts = [" ".join(p for p in part if p) for part in parts]
    search_vocabulary_add(words={word for text in texts for word in text.split() if len(word) >= 3})
    if not _postgresql():
        return [(text, None) for text in texts]
    with connection.cursor() as cursor:
        cursor.execute(
            DOCUMENT_VECTOR_SQL,
            [[p[0] for p in parts], [p[1] for p in parts], [p[2] for p in parts]],
        )
        vectors = [row[0] for row in cursor.fetchall()]
    return list(zip(texts, vectors, strict=True))


def _granter() -> User:
    """The account the grants are recorded under: no usable password, only ``grant_points``."""
    granter, created = User.objects.get_or_create(
        email=GRANTER_EMAIL, defaults={"display_name": "Load-test points"}
    )
    if created:
        granter.set_unusable_password()
        granter.save(update_fields=["password"])
        granter.user_permissions.add(
            Permission.objects.get(content_type__app_label="rewards", codename="grant_points")
        )
    return User.objects.get(pk=granter.pk)  # a fresh permission cache


@transaction.atomic
def scale_seed(plan: ScalePlan, *, progress: Progress = _no_progress) -> ScaleResult:
    """Create the plan's rows; refuse (``AlreadySeeded``) when scale members exist, unless
    ``plan.append``, which adds members after the existing ones."""
    existing = scale_users_count()
    if existing and not plan.append:
        raise AlreadySeeded(
            f"{existing} scale members already exist in this database; pass --append to add more."
        )
    rng = random.Random(plan.seed + existing)  # noqa: S311 - test data, not secrets
    first = existing + 1
    indices = list(range(first, first + plan.users))
    result = ScaleResult(first_index=first)
    now = timezone.now()

    categories, skills = _catalogue()
    documents = _documents()

    # Members.
    password = make_password(PASSWORD)
    advance = progress("members", plan.users)
    user_rows = []
    for index in indices:
        given, language = FIRST_NAMES[index % len(FIRST_NAMES)]
        family = LAST_NAMES[language][rng.randrange(len(LAST_NAMES[language]))]
        user_rows.append(
            {
                "email": member_email(index),
                "password": password,
                "first_name": given,
                "last_name": family,
                "display_name": f"{given} {index}",
                "language": language,
                "languages": ["ar", "en"] if language == "ar" else ["en", "ar"],
                "time_zone": "UTC",
                "date_joined": now - dt.timedelta(minutes=rng.randrange(60 * 24 * 365)),
            }
        )
    user_ids = bulk_insert(User, user_rows, advance)
    ids = dict(zip(indices, user_ids, strict=True))
    result.counts["users"] = len(user_ids)

    groups = {role: role_group(role) for role in (Role.MEMBER, Role.EXPERT)}
    bulk_insert(
        User.groups.through,
        [
            {
                "user_id": ids[index],
                "group_id": groups[Role.EXPERT if is_expert(index) else Role.MEMBER].pk,
            }
            for index in indices
        ],
    )
    bulk_insert(
        EmailAddress,
        [
            {"user_id": ids[index], "email": member_email(index), "verified": True, "primary": True}
            for index in indices
        ],
    )

    # Weekly availability: every day, all day (00:00 to the end of the day), so any future time
    # a load test picks is bookable.
    advance = progress("availability", plan.users * 7)
    bulk_insert(
        AvailabilitySlot,
        [
            {
                "user_id": ids[index],
                "day_of_week": day,
                "start_time": MIDNIGHT,
                "end_time": MIDNIGHT,
            }
            for index in indices
            for day in range(7)
        ],
        advance,
    )

    # Offers: round-robin over the new members, so each has offers / users of them.
    vectors = _search_documents(documents, categories, skills)
    advance = progress("offers", plan.offers)
    offer_rows, offer_docs, owners = [], [], []
    expires_at = offer_expiry_default()
    for number in range(plan.offers):
        index = indices[number % len(indices)]
        choice = rng.randrange(len(documents))
        document = documents[choice]
        price = 0
        if is_expert(index):
            price = document.price or 10 + 5 * (number % 5)
        created_at = now - dt.timedelta(minutes=rng.randrange(60 * 24 * 60))
        text, vector = vectors[choice]
        offer_rows.append(
            {
                "owner_id": ids[index],
                "title": document.title,
                "description": document.description,
                "category_id": categories[document.category].pk,
                "mode": document.mode,
                "language": document.language,
                "price_points": price,
                "session_minutes": document.minutes,
                "status": "active",
                "created_at": created_at,
                "updated_at": created_at,
                "expires_at": expires_at,
                "reviewed_at": created_at,
                "search_text": text,
                "search_vector": vector,
            }
        )
        offer_docs.append(document)
        owners.append(index)
    if not _postgresql():
        for row in offer_rows:
            row.pop("search_vector")
    offer_ids = bulk_insert(Offer, offer_rows, advance)
    result.counts["offers"] = len(offer_ids)
    bulk_insert(
        Offer.offered_skills.through,
        [
            {"offer_id": offer_id, "skill_id": skills[slug].pk}
            for offer_id, document in zip(offer_ids, offer_docs, strict=True)
            for slug in document.offered
        ],
    )
    bulk_insert(
        Offer.desired_skills.through,
        [
            {"offer_id": offer_id, "skill_id": skills[slug].pk}
            for offer_id, document in zip(offer_ids, offer_docs, strict=True)
            for slug in document.desired
        ],
    )

    # Skills: what the member's first offer teaches (offered) and asks for (wanted).
    first_document: dict[int, _Document] = {}
    for index, document in zip(owners, offer_docs, strict=True):
        first_document.setdefault(index, document)
    levels = ["beginner", "intermediate", "advanced", "expert"]
    skill_rows = []
    for index, document in first_document.items():
        for direction, slugs in (
            (Direction.OFFERED, document.offered),
            (Direction.WANTED, document.desired),
        ):
            for slug in dict.fromkeys(slugs):
                skill_rows.append(
                    {
                        "user_id": ids[index],
                        "skill_id": skills[slug].pk,
                        "direction": direction,
                        "proficiency_level": levels[index % 4]
                        if direction == "offered"
                        else "beginner",
                        "years_of_experience": index % 12,
                    }
                )
    result.counts["user_skills"] = len(bulk_insert(UserSkill, skill_rows))

    _seed_threads(plan, rng, indices, ids, now, result, progress)
    _grant_points(indices, ids, result, progress)
    if plan.swaps:
        _seed_swaps(plan, indices, ids, now, result, progress)
    return result


def _pairs(indices: Sequence[int]) -> Iterable[tuple[int, int]]:
    for index in indices:
        if index % 2 == 0 and index + 1 in indices:
            yield index, index + 1


def _seed_threads(
    plan: ScalePlan,
    rng: random.Random,
    indices: list[int],
    ids: dict[int, int],
    now: dt.datetime,
    result: ScaleResult,
    progress: Progress,
) -> None:
    """Direct threads: the pairs first, then random distinct pairs; messages spread over them."""
    if not plan.threads or len(indices) < 2:
        return
    index_set = set(indices)
    chosen: dict[tuple[int, int], None] = {}
    for a, b in _pairs(sorted(index_set)):
        if len(chosen) >= plan.threads:
            break
        chosen[(min(ids[a], ids[b]), max(ids[a], ids[b]))] = None
    possible = len(indices) * (len(indices) - 1) // 2
    while len(chosen) < min(plan.threads, possible):
        a, b = rng.sample(indices, 2)
        chosen[(min(ids[a], ids[b]), max(ids[a], ids[b]))] = None
    pairs = list(chosen)
    advance = progress("threads and messages", len(pairs) + plan.messages)
    per_thread: list[list[dict[str, Any]]] = [[] for _ in pairs]
    for number in range(plan.messages):
        per_thread[number % len(pairs)].append({})
    message_rows: list[dict[str, Any]] = []
    last: list[tuple[int | None, dt.datetime]] = []
    starts = [now - dt.timedelta(days=30, minutes=rng.randrange(60 * 24 * 30)) for _ in pairs]
    for position, ((low, high), messages) in enumerate(zip(pairs, per_thread, strict=True)):
        moment = starts[position]
        for number, _message in enumerate(messages):
            moment += dt.timedelta(minutes=1 + rng.randrange(600))
            message_rows.append(
                {
                    "sender_id": (low, high)[number % 2],
                    "content": MESSAGES[rng.randrange(len(MESSAGES))],
                    "created_at": moment,
                    "_thread": position,
                }
            )
        last.append((None, moment))

    thread_rows = [
        {
            "kind": Thread.Kind.DIRECT,
            "user_low_id": low,
            "user_high_id": high,
            "last_message_at": last[position][1],
            "created_at": starts[position],
        }
        for position, (low, high) in enumerate(pairs)
    ]
    thread_ids = bulk_insert(Thread, thread_rows)
    advance(len(pairs))
    for row in message_rows:
        row["thread_id"] = thread_ids[row.pop("_thread")]
    message_ids = bulk_insert(Message, message_rows, advance)
    last_ids: dict[int, int] = {}
    for row, message_id in zip(message_rows, message_ids, strict=True):
        last_ids[row["thread_id"]] = message_id
    participants = []
    for thread_id, (low, high) in zip(thread_ids, pairs, strict=True):
        read_up_to = last_ids.get(thread_id, 0)
        participants.append(
            {"thread_id": thread_id, "user_id": low, "last_read_message_id": read_up_to}
        )
        # The other side has not read the last message yet: unread counts are not all zero.
        participants.append({"thread_id": thread_id, "user_id": high, "last_read_message_id": 0})
    bulk_insert(ThreadParticipant, participants)
    if _postgresql() and last_ids:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE messaging_thread t SET last_message_id = v.message_id"
                " FROM unnest(%s::bigint[], %s::bigint[]) AS v(thread_id, message_id)"
                " WHERE t.id = v.thread_id",
                [list(last_ids), list(last_ids.values())],
            )
    elif last_ids:
        for thread_id, message_id in last_ids.items():
            Thread.objects.filter(pk=thread_id).update(last_message_id=message_id)
    result.counts["threads"] = len(thread_ids)
    result.counts["messages"] = len(message_ids)


GRANT_BATCH = 1000


def _grant_points(
    indices: list[int], ids: dict[int, int], result: ScaleResult, progress: Progress
) -> None:
    """Credit every new wallet through the points ledger, so ``ledger_audit`` stays clean.

    PostgreSQL: ``rewards_ledger_post`` (the one statement every movement goes through,
    ``rewards.services.LEDGER_POST_SQL``) once per ``GRANT_BATCH`` members, each call one staff
    grant with a leg per wallet: thousands of single grants inside one transaction would update
    the staff-grants account row thousands of times, and every later lookup of that row walks
    the chain of its versions. Elsewhere: ``rewards.services.points_grant`` per member.
    """
    from rewards.models import AccountKind, Reason
    from rewards.services import LEDGER_POST_SQL, points_grant

    granter = _granter()
    advance = progress("wallets", len(indices))
    user_ids = [ids[index] for index in indices]
    if not _postgresql():
        for user_id in user_ids:
            points_grant(
                user=User(pk=user_id),
                amount=GRANT_POINTS,
                reason=GRANT_REASON,
                granted_by=granter,
                idempotency_key=f"seed_scale:{user_id}",
            )
            advance(1)
        result.counts["grants"] = len(user_ids)
        return
    now = timezone.now()
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    with connection.cursor() as cursor:
        for start in range(0, len(user_ids), GRANT_BATCH):
            batch = user_ids[start : start + GRANT_BATCH]
            cursor.execute(
                LEDGER_POST_SQL,
                [
                    [AccountKind.STAFF_GRANTS, *[AccountKind.WALLET] * len(batch)],
                    [None, *batch],
                    [""] * (len(batch) + 1),
                    [-GRANT_POINTS * len(batch), *[GRANT_POINTS] * len(batch)],
                    Reason.STAFF_GRANT,
                    "",
                    GRANT_REASON,
                    f"seed_scale:{batch[0]}-{batch[-1]}",
                    granter.pk,
                    now,
                    0,  # no refund leg
                    0,  # no spending leg: a grant spends nobody's points
                    0,
                    day_start,
                    0,  # no balance cap: the seed decides the balances
                    0,
                ],
            )
            status = cursor.fetchone()[0]
            if status != "ok":
                raise RuntimeError(f"rewards_ledger_post refused the grants: {status}")
            advance(len(batch))
    result.counts["grants"] = len(user_ids)


def _seed_swaps(
    plan: ScalePlan,
    indices: list[int],
    ids: dict[int, int],
    now: dt.datetime,
    result: ScaleResult,
    progress: Progress,
) -> None:
    """Pending requests through ``exchanges.services.swap_create``: the even member of a pair
    asks for a session of its partner's offer, a week or more ahead, one hour apart."""
    from exchanges.services import swap_create

    pairs = list(_pairs(indices))
    if not pairs:
        return
    offers: dict[int, Offer] = {}
    for offer in Offer.objects.filter(owner_id__in=[ids[b] for _a, b in pairs]).order_by("id"):
        offers.setdefault(offer.owner_id, offer)
    users = {user.pk: user for user in User.objects.filter(pk__in=ids.values())}
    base = (now + dt.timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    advance = progress("swaps", plan.swaps)
    created = 0
    for number in range(plan.swaps):
        a, b = pairs[number % len(pairs)]
        chosen = offers.get(ids[b])
        if chosen is None:
            continue
        start = base + dt.timedelta(hours=2 * (number // len(pairs)))
        swap_create(
            requester=users[ids[a]],
            offer=chosen,
            scheduled_start=start,
            scheduled_end=start + dt.timedelta(minutes=chosen.session_minutes),
        )
        created += 1
        advance(1)
    result.counts["swaps"] = created
