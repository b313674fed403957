"""The forums' demo data: pages in both languages, threads with nested replies, one pending."""

from __future__ import annotations

from io import StringIO

import pytest

from accounts import demo as accounts_demo
from community.forums import demo
from community.forums.models import (
    ForumCategoryPage,
    ForumIndexPage,
    ModerationStatus,
    Post,
    Thread,
)
from demo.context import DemoContext
from tests.cms.factories import ensure_home_pages

pytestmark = pytest.mark.django_db


def test_seed_builds_both_languages_and_one_pending_thread_and_is_idempotent():
    # given the demo accounts
    ensure_home_pages()
    context = DemoContext(users=6, stdout=StringIO())
    accounts_demo.seed(context)

    # when the forums are seeded twice
    demo.seed(context)
    counts = (Thread.objects.count(), Post.objects.count(), ForumCategoryPage.objects.count())
    demo.seed(context)

    # then an index and three categories exist per language, threads in both languages with
    # nested replies, exactly one awaiting approval, and the second run added nothing
    assert ForumIndexPage.objects.count() == 2
    assert ForumCategoryPage.objects.filter(locale__language_code="ar").count() == 3
    assert counts == (
        Thread.objects.count(),
        Post.objects.count(),
        ForumCategoryPage.objects.count(),
    )
    assert Post.objects.filter(parent__isnull=False).exists()
    assert Thread.objects.filter(title__startswith="أبحث").exists()
    pending = Thread.objects.get(moderation_status=ModerationStatus.PENDING)
    assert pending.author.email == demo.NEWCOMER_EMAIL
    assert pending.workflow_in_progress is True
