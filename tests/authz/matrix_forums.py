"""Authorization entries of the forums routes (merged into tests/authz/matrix.py).

Published threads are public to read; members write; a post is changed only by its author (403
for anyone else, who can see it); moderators pin, lock and move; the thread's author marks the
answer.
"""

from __future__ import annotations

from typing import Any

from tests.authz.matrix import Entry, moderators, public, signed_in


def author_only(role: str, relation: str) -> Any:
    """Visible to everyone, changed by its author only: others get a 403."""
    if role == "anonymous":
        return 401
    return "pass" if relation == "owner" else 403


def a_forum_thread(owner, peer) -> dict[str, Any]:
    """A published thread the owner opened, with a reply by the peer."""
    from django.test import override_settings

    from community.forums import services
    from tests.community.forums.factories import category

    with override_settings(FORUM_NEW_MEMBER_MIN_SWAPS=0, FORUM_NEW_MEMBER_MIN_DAYS=0):
        thread = services.thread_create(
            author=owner, category=category(), title="Matrix", body="Hello"
        )
    services.post_create(thread=thread, author=peer, body="Hi")
    return {"thread_id": thread.pk}


def a_forum_post(owner, peer) -> dict[str, Any]:
    """A reply the owner wrote in the peer's published thread."""
    from django.test import override_settings

    from community.forums import services
    from tests.community.forums.factories import category

    with override_settings(FORUM_NEW_MEMBER_MIN_SWAPS=0, FORUM_NEW_MEMBER_MIN_DAYS=0):
        thread = services.thread_create(
            author=peer, category=category(), title="Matrix", body="Hello"
        )
    return {"post_id": services.post_create(thread=thread, author=owner, body="Mine").pk}


MODERATOR_ACTIONS = ("pin", "unpin", "lock", "unlock", "move")

ENTRIES: dict[str, Entry] = {
    "forum-list": Entry({"GET": public, "POST": signed_in}, owned=False),
    "forum-thread": Entry({"GET": public}, build=a_forum_thread, owned=False),
    "forum-thread-replies": Entry({"POST": signed_in}, build=a_forum_thread, owned=False),
    "forum-post": Entry({"PATCH": author_only, "DELETE": author_only}, build=a_forum_post),
    "forum-answer": Entry({"POST": author_only}, build=a_forum_thread),
    "forum-subscribe": Entry({"POST": signed_in}, build=a_forum_thread, owned=False),
    "forum-unsubscribe": Entry({"POST": signed_in}, build=a_forum_thread, owned=False),
    **{
        f"forum-{action}": Entry({"POST": moderators}, build=a_forum_thread, owned=False)
        for action in MODERATOR_ACTIONS
    },
}
