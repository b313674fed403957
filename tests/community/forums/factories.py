"""Forum test helpers: the forum pages in both languages, members old and new, threads, replies."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from wagtail.models import Locale

from accounts.models import User
from accounts.roles import Role
from community.forums import services
from community.forums.models import ForumCategoryPage, ForumIndexPage, Post, Thread
from exchanges.models import Swap
from tests.accounts.factories import UserFactory, user_with_role
from tests.cms.factories import add_page, ensure_home_pages, home, translate


def forum_index(language: str = "en") -> ForumIndexPage:
    """The forum index of ``language`` (created, with its English source, when missing)."""
    ensure_home_pages()
    existing = ForumIndexPage.objects.filter(locale__language_code=language).first()
    if existing is not None:
        return existing
    english = ForumIndexPage.objects.filter(locale__language_code="en").first()
    if english is None:
        english = add_page(home("en"), ForumIndexPage(title="Forums", slug="forums"))
    if language == "en":
        return english
    return translate(english, language, title="المنتديات", draft_title="المنتديات", slug="forums")


def category(
    title: str = "General", slug: str = "general", *, arabic: str | None = "عام"
) -> ForumCategoryPage:
    """An English category (and its Arabic translation unless ``arabic`` is None); the existing
    one when a category with ``slug`` is there."""
    existing = ForumCategoryPage.objects.filter(locale__language_code="en", slug=slug).first()
    if existing is not None:
        return existing
    english = add_page(
        forum_index("en"), ForumCategoryPage(title=title, slug=slug, description=f"About {title}")
    )
    if arabic is not None:
        forum_index("ar")
        translate(english, "ar", title=arabic, draft_title=arabic, slug=slug)
    return english


def arabic_of(page: ForumCategoryPage) -> ForumCategoryPage:
    return page.get_translation(Locale.objects.get(language_code="ar")).specific


def veteran(**fields) -> User:
    """A member past the new-member thresholds: an old account with a completed swap."""
    fields.setdefault("date_joined", timezone.now() - dt.timedelta(days=90))
    user = UserFactory(**fields)
    from tests.exchanges.factories import SwapFactory

    start = timezone.now() - dt.timedelta(days=10)
    SwapFactory(
        requester=user,
        status=Swap.Status.COMPLETED,
        scheduled_start=start,
        scheduled_end=start + dt.timedelta(hours=1),
    )
    return user


def newcomer(**fields) -> User:
    """A member who joined today with no completed swap: their threads need approval."""
    return UserFactory(**fields)


def moderator(**fields) -> User:
    """A moderator; the forum permissions and workflow are put back first if a flush took them
    (services.forum_workflow), as the migrations made them."""
    services.forum_workflow()
    return user_with_role(Role.MODERATOR, is_staff=True, **fields)


def thread(
    *,
    author: User | None = None,
    in_category: ForumCategoryPage | None = None,
    title: str = "How do I start?",
    body: str = "Tell me **everything**.",
) -> Thread:
    """A thread written through the service (published unless the author is new)."""
    return services.thread_create(
        author=author or veteran(),
        category=in_category or category(),
        title=title,
        body=body,
    )


def reply(
    on: Thread, *, author: User | None = None, body: str = "Me too.", parent: Post | None = None
) -> Post:
    return services.post_create(thread=on, author=author or veteran(), body=body, parent=parent)
