"""Reads of the forums: categories with their counts, visible threads, a thread's reply tree."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from wagtail.models import Locale

from community.forums.models import ForumCategoryPage, ModerationStatus, Post, Thread
from core.exceptions import NotFound
from marketplace.search import query_words

MODERATE = "community_forums.moderate_thread"

ORDERINGS = {
    "-last_activity": ("-last_activity_at", "-id"),
    "last_activity": ("last_activity_at", "id"),
    "-created_at": ("-created_at", "-id"),
    "created_at": ("created_at", "id"),
    "-replies": ("-reply_count", "-last_activity_at", "-id"),
    "replies": ("reply_count", "last_activity_at", "id"),
}


def active_locale() -> Locale | None:
    """The request language's Wagtail locale (else the default one); None when no locale
    exists at all (a database emptied of Wagtail's rows)."""
    try:
        return Locale.get_active()
    except Locale.DoesNotExist:
        return None


def default_locale() -> Locale | None:
    try:
        return Locale.get_default()
    except Locale.DoesNotExist:
        return None


def is_moderator(user: Any) -> bool:
    """Whether ``user`` may see and act on every thread (moderators and admins)."""
    return bool(user and user.is_authenticated and user.has_perm(MODERATE))


def category_source(page: ForumCategoryPage) -> ForumCategoryPage:
    """The category page threads point at: the default locale's page of ``page``'s translation
    key, or ``page`` itself when the category exists only in its own locale."""
    default = default_locale()
    if default is None or page.locale_id == default.pk:
        return page
    source = (
        ForumCategoryPage.objects.filter(translation_key=page.translation_key, locale=default)
        .only("id", "title", "slug", "translation_key", "locale_id", "path", "url_path")
        .first()
    )
    return source or page


def category_for_locale(page: ForumCategoryPage, locale: Locale) -> ForumCategoryPage:
    """``page``'s translation in ``locale`` when it is live, else ``page``."""
    if page.locale_id == locale.pk:
        return page
    translated = (
        ForumCategoryPage.objects.live()
        .filter(translation_key=page.translation_key, locale=locale)
        .first()
    )
    return translated or page


def category_get(*, category_id: int) -> ForumCategoryPage:
    """The live category with this id (any locale), normalised to its source page."""
    page = ForumCategoryPage.objects.live().filter(pk=category_id).first()
    if page is None:
        raise NotFound()
    return category_source(page)


def visible_threads(user: Any) -> QuerySet[Thread]:
    """Threads ``user`` may see: live and not hidden; their own pending ones; all for staff."""
    threads = Thread.objects.all()
    if is_moderator(user):
        return threads
    visible = Q(live=True, hidden=False)
    if user is not None and user.is_authenticated:
        visible |= Q(author=user, hidden=False)
    return threads.filter(visible)


def _thread_columns(queryset: QuerySet[Thread]) -> QuerySet[Thread]:
    return queryset.select_related("author", "category").defer(
        "search_text", "category__search_description"
    )


def thread_list(
    *,
    user: Any,
    category: ForumCategoryPage | None = None,
    search: str = "",
    ordering: str = "-last_activity",
) -> QuerySet[Thread]:
    """Visible threads, optionally of one category (any locale's page) and matching ``search``
    (every normalised word must occur, marketplace/search.py), pinned first, then ``ordering``."""
    threads = visible_threads(user)
    if category is not None:
        threads = threads.filter(category__translation_key=category.translation_key)
    for word in query_words(search or ""):
        threads = threads.filter(search_text__contains=word)
    return _thread_columns(threads).order_by("-pinned", *ORDERINGS[ordering])


def thread_get(*, user: Any, thread_id: int) -> Thread:
    """The thread if ``user`` may see it; NotFound otherwise (no existence leak)."""
    thread = _thread_columns(visible_threads(user)).filter(pk=thread_id).first()
    if thread is None:
        raise NotFound()
    return thread


def category_list(*, locale: Locale | None = None) -> list[ForumCategoryPage]:
    """Live categories of ``locale`` (the active one by default), in tree order, each with
    ``thread_count`` and ``last_activity`` over the published threads of its translation key."""
    locale = locale or active_locale()
    if locale is None:
        return []
    published = Thread.objects.filter(
        live=True, hidden=False, category__translation_key=OuterRef("translation_key")
    )
    counts = (
        published.order_by()
        .values("category__translation_key")
        .annotate(count=Count("id"), last=Max("last_activity_at"))
    )
    return list(
        ForumCategoryPage.objects.live()
        .public()
        .filter(locale=locale)
        .annotate(
            thread_count=Coalesce(Subquery(counts.values("count")[:1]), 0),
            last_activity=Subquery(counts.values("last")[:1]),
        )
        .order_by("path")
    )


@dataclass
class PostNode:
    """A post and its replies, for rendering a tree."""

    post: Post
    replies: list[PostNode] = field(default_factory=list)
    depth: int = 0


def post_tree(*, thread: Thread, roots: list[Post]) -> list[Post]:
    """``roots`` (top-level posts of one page) with ``replies_list`` set on every post down their
    subtrees, fetched in one query; each post also gets ``depth``."""
    root_ids = [post.pk for post in roots]
    descendants = list(
        Post.objects.filter(thread=thread, root_id__in=root_ids)
        .exclude(pk__in=root_ids)
        .select_related("author")
        .order_by("id")
    )
    children: dict[int, list[Post]] = {}
    for post in descendants:
        children.setdefault(post.parent_id or 0, []).append(post)

    def attach(post: Post, depth: int) -> None:
        post.depth = depth  # type: ignore[attr-defined]
        post.replies_list = children.get(post.pk, [])  # type: ignore[attr-defined]
        for child in post.replies_list:  # type: ignore[attr-defined]
            attach(child, depth + 1)

    for root in roots:
        attach(root, 0)
    return roots


def top_level_posts(*, thread: Thread) -> QuerySet[Post]:
    """The thread's top-level posts in the order they were written (page them, then
    ``post_tree``)."""
    return (
        Post.objects.filter(thread=thread, parent__isnull=True)
        .select_related("author")
        .order_by("id")
    )


def post_get(*, user: Any, post_id: int) -> Post:
    """A post whose thread ``user`` may see; NotFound otherwise."""
    post = (
        Post.objects.select_related("thread", "author")
        .filter(pk=post_id, thread__in=visible_threads(user))
        .first()
    )
    if post is None:
        raise NotFound()
    return post


def is_subscribed(*, thread: Thread, user: Any) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return thread.subscriptions.filter(user=user).exists()


def pending_threads() -> QuerySet[Thread]:
    return Thread.objects.filter(moderation_status=ModerationStatus.PENDING)


# --- activity recount (rewards.activity.register_recount; registered in apps.py) ---------------


def activity_answers_accepted() -> dict[int, int]:
    """Threads whose accepted answer a member wrote, by that member (self-answers not counted),
    as ``services._activity_on_answer_changed`` counts them."""
    rows = (
        Thread.objects.filter(answer__isnull=False)
        .exclude(answer__author_id=F("author_id"))
        .order_by()
        .values("answer__author_id")
        .annotate(total=Count("id"))
    )
    return {row["answer__author_id"]: row["total"] for row in rows}
