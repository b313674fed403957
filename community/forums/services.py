"""Writes of the forums: threads, replies, edits, tombstones, moderation, subscriptions.

Locks: a reply, an answer mark or a moderator's move locks the thread row
(``select_for_update(no_key=True)``: no key column changes, and posts referencing the thread keep
being inserted); an edit or delete locks the post row. Order: thread, then post, then (when an
accepted answer changes) the activity counters of ``rewards.activity``, last.

New members' threads go through Wagtail's workflow machinery: the thread is saved as a draft,
a revision is stored and the "Forum approval" workflow (``forum_workflow``) is started on it.
A moderator approves or rejects it in the Wagtail admin; ``signal_handlers`` turns the decision
into ``moderation_status`` and the author's ``moderation_decision`` notification.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log
from wagtail.models import GroupApprovalTask, Workflow, WorkflowContentType, WorkflowTask

from accounts.models import User
from community.forums.models import (
    ForumCategoryPage,
    ModerationStatus,
    Post,
    Thread,
    ThreadSubscription,
)
from community.forums.selectors import category_source, is_moderator
from core.exceptions import Conflict, Forbidden, ValidationFailed
from core.text import text_clean
from messaging.services.notifications import notification_send
from rewards.activity import ActivityRecord, activity_record_many
from rewards.models import Counter

WORKFLOW_NAME = "Forum approval"
TASK_NAME = "Forum approval"
MODERATOR_GROUPS = ("Moderators", "Administrators")
MODERATOR_PERMISSIONS = (
    "moderate_thread",
    "view_thread",
    "change_thread",
    "publish_thread",
    "view_post",
)

# Audit log actions (registered with labels in wagtail_hooks.py).
LOG_PIN = "community_forums.pin"
LOG_UNPIN = "community_forums.unpin"
LOG_LOCK = "community_forums.lock"
LOG_UNLOCK = "community_forums.unlock"
LOG_MOVE = "community_forums.move"
LOG_HIDE = "community_forums.hide"
LOG_ANSWER = "community_forums.answer"
LOG_POST_DELETE = "community_forums.post_delete"

# --- settings -------------------------------------------------------------------------------------


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def edit_window() -> dt.timedelta:
    return dt.timedelta(minutes=_setting("FORUM_EDIT_WINDOW_MINUTES", 30))


def member_is_new(user: User) -> bool:
    """Fewer than FORUM_NEW_MEMBER_MIN_SWAPS completed swaps or an account younger than
    FORUM_NEW_MEMBER_MIN_DAYS days. Staff are never new."""
    if is_moderator(user):
        return False
    min_days = _setting("FORUM_NEW_MEMBER_MIN_DAYS", 3)
    if user.date_joined > timezone.now() - dt.timedelta(days=min_days):
        return True
    min_swaps = _setting("FORUM_NEW_MEMBER_MIN_SWAPS", 1)
    if min_swaps <= 0:
        return False
    from exchanges.models import Swap

    completed = Swap.objects.filter(
        Q(requester=user) | Q(responder=user), status=Swap.Status.COMPLETED
    )[:min_swaps].count()
    return completed < min_swaps


# --- the approval workflow ------------------------------------------------------------------------


def forum_workflow() -> Workflow:
    """The "Forum approval" workflow assigned to threads, with its moderators' task.

    Migration 0002 creates it; a database flushed after migrating (transactional tests, a dump
    without Wagtail's rows) loses it, so it is put back here exactly as the migration made it.
    """
    content_type = ContentType.objects.get_for_model(Thread)
    assigned = (
        WorkflowContentType.objects.filter(content_type=content_type)
        .select_related("workflow")
        .first()
    )
    if assigned is not None and assigned.workflow.active:
        return assigned.workflow
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME)
    groups = []
    for name in MODERATOR_GROUPS:
        group, _created = Group.objects.get_or_create(name=name)
        groups.append(group)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="community_forums", codename__in=MODERATOR_PERMISSIONS
            )
        )
    task.groups.set(groups)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowContentType.objects.update_or_create(
        content_type=content_type, defaults={"workflow": workflow}
    )
    return workflow


# --- threads --------------------------------------------------------------------------------------


def _clean_title(title: str) -> str:
    title = text_clean(title).strip()
    if not title:
        raise ValidationFailed(fields={"title": [str(_("Write a title."))]})
    return title


def _clean_body(body: str, field: str = "body") -> str:
    body = text_clean(body).strip()
    if not body:
        raise ValidationFailed(fields={field: [str(_("Write something."))]})
    return body


@transaction.atomic
def thread_create(
    *,
    author: User,
    category: ForumCategoryPage,
    title: str,
    body: str,
    trusted: bool = False,
) -> Thread:
    """Open a thread in ``category``; a new member's waits for a moderator's approval.

    ``trusted`` skips the new-member check (demo data and staff imports, never a member's request).

    The thread's category is the category's source page (both locales share threads). The author
    is subscribed. Others' threads are published at once (a revision, then its publication);
    a new member's is a draft with ``moderation_status`` pending, submitted to ``forum_workflow``.
    """
    if not category.live:
        raise ValidationFailed(fields={"category": [str(_("This category does not exist."))]})
    now = timezone.now()
    pending = not trusted and member_is_new(author)
    thread = Thread(
        category=category_source(category),
        author=author,
        title=_clean_title(title),
        body=_clean_body(body),
        last_activity_at=now,
        created_at=now,
        live=not pending,
        moderation_status=ModerationStatus.PENDING if pending else ModerationStatus.PUBLISHED,
    )
    thread.save()
    ThreadSubscription.objects.create(thread=thread, user=author)
    revision = thread.save_revision(user=author, log_action=True)
    if pending:
        forum_workflow().start(thread, author)
    else:
        revision.publish(user=author, changed=False, skip_permission_checks=True)
    thread.refresh_from_db()
    return thread


def _lock_thread(thread: Thread) -> Thread:
    return Thread.objects.select_for_update(no_key=True).get(pk=thread.pk)


def require_moderator(actor: User) -> None:
    """Forbidden unless ``actor`` moderates the forums."""
    if not is_moderator(actor):
        raise Forbidden(str(_("Only moderators can do this.")))


def require_thread_author(thread: Thread, actor: User) -> None:
    """Forbidden unless ``actor`` wrote ``thread``."""
    if actor.pk != thread.author_id:
        raise Forbidden(str(_("Only the thread's author can choose the answer.")))


def _flag(thread: Thread, actor: User, field: str, value: bool, action: str) -> Thread:
    require_moderator(actor)
    locked = _lock_thread(thread)
    if getattr(locked, field) != value:
        Thread.objects.filter(pk=locked.pk).update(**{field: value})
        setattr(locked, field, value)
        log(instance=locked, action=action, user=actor)
    return locked


@transaction.atomic
def thread_pin(*, thread: Thread, actor: User, pinned: bool = True) -> Thread:
    """Pin (or unpin) the thread at the top of its category (moderators)."""
    return _flag(thread, actor, "pinned", pinned, LOG_PIN if pinned else LOG_UNPIN)


@transaction.atomic
def thread_lock(*, thread: Thread, actor: User, locked: bool = True) -> Thread:
    """Lock (or unlock) the thread against new replies (moderators)."""
    return _flag(thread, actor, "locked", locked, LOG_LOCK if locked else LOG_UNLOCK)


@transaction.atomic
def thread_move(*, thread: Thread, actor: User, category: ForumCategoryPage) -> Thread:
    """Move the thread to another category (moderators)."""
    require_moderator(actor)
    target = category_source(category)
    locked = _lock_thread(thread)
    if locked.category_id != target.pk:
        previous = locked.category_id
        Thread.objects.filter(pk=locked.pk).update(category=target)
        locked.category = target
        log(
            instance=locked,
            action=LOG_MOVE,
            user=actor,
            data={"from": previous, "to": target.pk, "to_title": target.title},
        )
    return locked


@transaction.atomic
def thread_hide(*, thread: Thread, actor: User, reason: str = "") -> Thread:
    """Hide the thread from everybody but staff (the moderation queue's action)."""
    locked = _lock_thread(thread)
    if not locked.hidden:
        Thread.objects.filter(pk=locked.pk).update(hidden=True)
        locked.hidden = True
        log(instance=locked, action=LOG_HIDE, user=actor, data={"reason": text_clean(reason)})
    return locked


@transaction.atomic
def thread_mark_answer(*, thread: Thread, actor: User, post: Post | None) -> Thread:
    """Mark ``post`` as the thread's answer (None clears it): the thread's author only."""
    require_thread_author(thread, actor)
    locked = _lock_thread(thread)
    if post is not None and (post.thread_id != locked.pk or post.deleted or post.hidden):
        raise ValidationFailed(fields={"post_id": [str(_("Choose a reply of this thread."))]})
    new_id = post.pk if post is not None else None
    if locked.answer_id != new_id:
        old_id = locked.answer_id
        Thread.objects.filter(pk=locked.pk).update(answer_id=new_id)
        locked.answer_id = new_id
        log(instance=locked, action=LOG_ANSWER, user=actor, data={"post_id": new_id})
        _activity_on_answer_changed(thread=locked, old_id=old_id, new=post)
    return locked


def _activity_on_answer_changed(*, thread: Thread, old_id: int | None, new: Post | None) -> None:
    """Count an accepted answer for its post's author and take back the one it replaces.

    Sources ``post:<id>:accepted:<time>`` / ``post:<id>:unaccepted:<time>``: a post may be
    accepted, cleared and accepted again, each a fact of its own; the thread row lock (held by
    every caller) makes a repeated mark a no-op before it gets here. An answer the thread's author
    wrote is not counted. Called last: the counters come after the thread and post rows.
    """
    stamp = f"{timezone.now():%Y%m%dT%H%M%S.%f}"
    records = []
    if old_id is not None:
        old_author = Post.objects.filter(pk=old_id).values_list("author_id", flat=True).first()
        if old_author is not None and old_author != thread.author_id:
            source = f"post:{old_id}:unaccepted:{stamp}"
            records.append(ActivityRecord(old_author, Counter.ANSWERS_ACCEPTED, source, -1))
    if new is not None and new.author_id != thread.author_id:
        source = f"post:{new.pk}:accepted:{stamp}"
        records.append(ActivityRecord(new.author_id, Counter.ANSWERS_ACCEPTED, source, 1))
    activity_record_many(records)


# --- subscriptions --------------------------------------------------------------------------------


@transaction.atomic
def thread_subscribe(*, thread: Thread, user: User) -> None:
    """Get ``forum_reply`` notifications for the thread (idempotent)."""
    ThreadSubscription.objects.get_or_create(thread=thread, user=user)


@transaction.atomic
def thread_unsubscribe(*, thread: Thread, user: User) -> None:
    """Stop the thread's notifications (idempotent)."""
    ThreadSubscription.objects.filter(thread=thread, user=user).delete()


# --- posts ----------------------------------------------------------------------------------------


@transaction.atomic
def post_create(*, thread: Thread, author: User, body: str, parent: Post | None = None) -> Post:
    """Reply in ``thread`` (to ``parent`` when given) and notify the thread's subscribers.

    Locks the thread row: the reply count and last activity stay exact under concurrent replies.
    Refused with 409 when the thread is locked or not published. Every subscriber but the author
    of the reply gets ``forum_reply`` (stored with this transaction, pushed after commit).
    """
    locked = _lock_thread(thread)
    if locked.locked:
        raise Conflict(str(_("This thread is locked.")), code="thread_locked")
    if not locked.live or locked.hidden:
        raise Conflict(str(_("This thread is not open for replies.")), code="thread_not_open")
    if parent is not None and parent.thread_id != locked.pk:
        raise ValidationFailed(fields={"parent_id": [str(_("Reply to a post of this thread."))]})
    now = timezone.now()
    post = Post(
        thread=locked,
        author=author,
        parent=parent,
        body=_clean_body(body),
        created_at=now,
    )
    post.save()
    root_id = (parent.root_id or parent.pk) if parent is not None else post.pk
    Post.objects.filter(pk=post.pk).update(root_id=root_id)
    post.root_id = root_id
    Thread.objects.filter(pk=locked.pk).update(
        reply_count=F("reply_count") + 1, last_activity_at=now
    )
    recipients = (
        User.objects.filter(forum_subscriptions__thread=locked, is_active=True)
        .exclude(pk=author.pk)
        .order_by("pk")
    )
    for recipient in recipients:
        notification_send(
            recipient=recipient,
            kind="forum_reply",
            context={
                "other_name": author.public_name,
                "topic_title": locked.title,
                "thread_id": locked.pk,
                "post_id": post.pk,
            },
            related_type="forum_thread",
            related_id=locked.pk,
        )
    return post


def require_post_author(post: Post, actor: User) -> None:
    """Forbidden unless ``actor`` wrote ``post``."""
    if post.author_id != actor.pk:
        raise Forbidden(str(_("You can only change your own posts.")))


def _lock_own_post(post: Post, actor: User) -> Post:
    require_post_author(post, actor)
    locked = Post.objects.select_for_update(no_key=True).get(pk=post.pk)
    if locked.deleted:
        raise Conflict(str(_("This post was deleted.")), code="post_deleted")
    if timezone.now() > locked.created_at + edit_window():
        raise Conflict(
            str(_("Posts can only be changed for %(minutes)s minutes after they are written."))
            % {"minutes": int(edit_window().total_seconds() // 60)},
            code="edit_window_closed",
        )
    return locked


@transaction.atomic
def post_update(*, post: Post, actor: User, body: str) -> Post:
    """Change the body of the actor's own post, within FORUM_EDIT_WINDOW_MINUTES."""
    locked = _lock_own_post(post, actor)
    locked.body = _clean_body(body)
    locked.edited_at = timezone.now()
    locked.save(update_fields=["body", "edited_at"])
    return locked


@transaction.atomic
def post_delete(*, post: Post, actor: User) -> Post:
    """Delete the actor's own post within the edit window: the row stays as a tombstone (replies
    keep their place), the body is blanked, and the thread's reply count drops."""
    thread = _lock_thread(post.thread)
    locked = _lock_own_post(post, actor)
    locked.body = ""
    locked.deleted = True
    locked.edited_at = timezone.now()
    locked.save(update_fields=["body", "deleted", "edited_at"])
    Thread.objects.filter(pk=locked.thread_id, reply_count__gt=0).update(
        reply_count=F("reply_count") - 1
    )
    if Thread.objects.filter(pk=locked.thread_id, answer_id=locked.pk).update(answer_id=None):
        _activity_on_answer_changed(thread=thread, old_id=locked.pk, new=None)
    log(instance=locked, action=LOG_POST_DELETE, user=actor)
    return locked


@transaction.atomic
def post_hide(*, post: Post, actor: User, reason: str = "") -> Post:
    """Hide the post from everybody but staff (the moderation queue's action)."""
    thread = _lock_thread(post.thread)
    locked = Post.objects.select_for_update(no_key=True).get(pk=post.pk)
    if not locked.hidden:
        Post.objects.filter(pk=locked.pk).update(hidden=True)
        locked.hidden = True
        if not locked.deleted:
            Thread.objects.filter(pk=locked.thread_id, reply_count__gt=0).update(
                reply_count=F("reply_count") - 1
            )
        if Thread.objects.filter(pk=locked.thread_id, answer_id=locked.pk).update(answer_id=None):
            _activity_on_answer_changed(thread=thread, old_id=locked.pk, new=None)
        log(instance=locked, action=LOG_HIDE, user=actor, data={"reason": text_clean(reason)})
    return locked


# --- the moderator's decision (called by signal_handlers) -----------------------------------------


def thread_moderation_decided(
    *, thread: Thread, approved: bool, moderator: Any = None, note: str = ""
) -> None:
    """Record the workflow's outcome on the thread and tell its author."""
    status = ModerationStatus.PUBLISHED if approved else ModerationStatus.REJECTED
    Thread.objects.filter(pk=thread.pk).update(moderation_status=status)
    if approved:
        Thread.objects.filter(pk=thread.pk).update(last_activity_at=timezone.now())
    notification_send(
        recipient=thread.author,
        kind="moderation_decision",
        context={
            "decision": "approved" if approved else "rejected",
            "object_label": thread.title,
            "note": text_clean(note or ""),
        },
        related_type="forum_thread",
        related_id=thread.pk,
    )
