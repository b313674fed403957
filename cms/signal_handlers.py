"""Wagtail's page signals (the one place Wagtail forces a signal): invalidate cached pages."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from wagtail.signals import page_published, page_unpublished, post_page_move

from marketplace.cache import pages_cache_bump


def _bump(**kwargs: Any) -> None:
    transaction.on_commit(pages_cache_bump)


def _page_deleted(sender: type, instance: Any, **kwargs: Any) -> None:
    transaction.on_commit(pages_cache_bump)


def connect() -> None:
    """Publishing, unpublishing, moving or deleting a page invalidates the anonymous page cache."""
    from django.db.models.signals import post_delete
    from wagtail.models import Page

    page_published.connect(_bump, dispatch_uid="cms-cache-published")
    page_unpublished.connect(_bump, dispatch_uid="cms-cache-unpublished")
    post_page_move.connect(_bump, dispatch_uid="cms-cache-moved")
    post_delete.connect(_page_deleted, sender=Page, dispatch_uid="cms-cache-deleted")
