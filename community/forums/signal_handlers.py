"""Receivers of the Wagtail signals the forums need (connected in ``ForumsConfig.ready()``).

Wagtail's workflow machinery announces a moderator's decision only by signal
(``workflow_approved``, ``workflow_rejected``); the receivers hand it to
``services.thread_moderation_decided``, which records it and notifies the author.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from wagtail.signals import workflow_approved, workflow_rejected


def _thread_of(workflow_state: Any) -> Any:
    from community.forums.models import Thread

    if workflow_state.content_type.model_class() is not Thread:
        return None
    return Thread.objects.select_related("author").filter(pk=workflow_state.object_id).first()


def on_workflow_approved(sender: Any, instance: Any, user: Any = None, **kwargs: Any) -> None:
    from community.forums import services

    thread = _thread_of(instance)
    if thread is None:
        return
    task_state = instance.current_task_state
    note = task_state.comment if task_state is not None else ""
    with transaction.atomic():
        services.thread_moderation_decided(thread=thread, approved=True, moderator=user, note=note)


def on_workflow_rejected(sender: Any, instance: Any, user: Any = None, **kwargs: Any) -> None:
    from community.forums import services

    thread = _thread_of(instance)
    if thread is None:
        return
    task_state = instance.current_task_state
    note = task_state.comment if task_state is not None else ""
    with transaction.atomic():
        services.thread_moderation_decided(thread=thread, approved=False, moderator=user, note=note)


def connect() -> None:
    workflow_approved.connect(on_workflow_approved, dispatch_uid="forums_workflow_approved")
    workflow_rejected.connect(on_workflow_rejected, dispatch_uid="forums_workflow_rejected")
