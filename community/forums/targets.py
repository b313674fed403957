"""The forums' reportable kinds (``thread`` and ``post``), registered with the moderation queue.

``community/moderation/targets.py`` holds the registry; ``ForumsConfig.ready()`` calls
``register_kinds``. ``resolve`` finds only what the reporter may see (others' pending or hidden
threads are unknown to them), ``hide`` is the queue's action (it writes the audit log).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from community.moderation.targets import ReportableKind, register

DESCRIBE_MAX = 80


def _resolve_thread(target_id: int, reporter: Any) -> Any:
    from community.forums.selectors import visible_threads

    return visible_threads(reporter).filter(pk=target_id).select_related("author").first()


def _resolve_post(target_id: int, reporter: Any) -> Any:
    from community.forums.models import Post
    from community.forums.selectors import visible_threads

    return (
        Post.objects.filter(pk=target_id, thread__in=visible_threads(reporter))
        .select_related("author", "thread")
        .first()
    )


def _author(target: Any) -> Any:
    return target.author


def _describe_thread(thread: Any) -> str:
    return thread.title[:DESCRIBE_MAX]


def _describe_post(post: Any) -> str:
    words = " ".join((post.body or "").split())
    return words[:DESCRIBE_MAX] + ("…" if len(words) > DESCRIBE_MAX else "")


def _hide_thread(thread: Any, moderator: Any, reason: str) -> None:
    from community.forums.services import thread_hide

    thread_hide(thread=thread, actor=moderator, reason=reason)


def _hide_post(post: Any, moderator: Any, reason: str) -> None:
    from community.forums.services import post_hide

    post_hide(post=post, actor=moderator, reason=reason)


def _thread_url(thread: Any) -> str:
    return reverse("forums:thread", kwargs={"thread_id": thread.pk})


def _post_url(post: Any) -> str:
    return reverse("forums:post", kwargs={"post_id": post.pk})


def register_kinds() -> None:
    register(
        ReportableKind(
            kind="thread",
            label=_("forum thread"),
            model="community_forums.Thread",
            resolve=_resolve_thread,
            author_of=_author,
            describe=_describe_thread,
            hide=_hide_thread,
            url=_thread_url,
        )
    )
    register(
        ReportableKind(
            kind="post",
            label=_("forum post"),
            model="community_forums.Post",
            resolve=_resolve_post,
            author_of=_author,
            describe=_describe_post,
            hide=_hide_post,
            url=_post_url,
        )
    )
