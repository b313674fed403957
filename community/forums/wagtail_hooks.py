"""Wagtail admin screens of the forums: threads and posts as snippets, grouped under "Forums".

- Threads: list with filters (category, status, pinned, locked, hidden), search, history, and the
  "Forum approval" workflow: a new member's thread shows in the moderators' dashboard ("Awaiting
  your review") and is approved or rejected (with a comment) with Wagtail's own workflow actions.
  Pin, lock and hide are buttons that go through ``community.forums.services`` (audit-logged).
- Posts: list with filters and history; hide.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from wagtail import hooks
from wagtail.admin.widgets import ListingButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from community.forums import services
from community.forums.models import Post, Thread
from community.forums.selectors import is_moderator


class ThreadViewSet(SnippetViewSet):
    model = Thread
    icon = "comment"
    menu_label = _("Threads")
    list_display = ["title", "author", "category", "moderation_status", "reply_count", "live"]
    list_filter = ["moderation_status", "pinned", "locked", "hidden", "live"]
    search_fields = ["title", "body"]
    search_backend_name = None
    ordering = ["-last_activity_at"]
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = ["category", "title", "body", "pinned", "locked", "hidden"]

    def get_queryset(self, request: Any) -> Any:
        return Thread.objects.select_related("author", "category")


class PostViewSet(SnippetViewSet):
    model = Post
    icon = "doc-full"
    menu_label = _("Posts")
    list_display = ["__str__", "author", "thread", "created_at", "deleted", "hidden"]
    list_filter = ["deleted", "hidden"]
    search_fields = ["body"]
    search_backend_name = None
    ordering = ["-created_at"]
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = ["body", "hidden"]

    def get_queryset(self, request: Any) -> Any:
        return Post.objects.select_related("author", "thread")


class ForumsViewSetGroup(SnippetViewSetGroup):
    items = (ThreadViewSet, PostViewSet)
    menu_icon = "comment"
    menu_label = _("Forums")
    menu_name = "forums"
    add_to_admin_menu = True


register_snippet(ForumsViewSetGroup)


# --- moderators' actions ------------------------------------------------------------------------

THREAD_ACTIONS = {
    "pin": lambda thread, user: services.thread_pin(thread=thread, actor=user),
    "unpin": lambda thread, user: services.thread_pin(thread=thread, actor=user, pinned=False),
    "lock": lambda thread, user: services.thread_lock(thread=thread, actor=user),
    "unlock": lambda thread, user: services.thread_lock(thread=thread, actor=user, locked=False),
    "hide": lambda thread, user: services.thread_hide(thread=thread, actor=user),
}


ACTION_LABELS = {
    "pin": _("Pin this thread?"),
    "unpin": _("Unpin this thread?"),
    "lock": _("Lock this thread? Nobody can reply to a locked thread."),
    "unlock": _("Unlock this thread?"),
    "hide": _("Hide this thread from everybody but staff?"),
}
CONFIRM_TEMPLATE = "community/forums/admin/confirm_action.html"


@require_http_methods(["GET", "POST"])
def thread_action_view(request: Any, pk: int, action: str) -> Any:
    """GET: confirm; POST: pin, unpin, lock, unlock or hide a thread from its listing row."""
    if action not in THREAD_ACTIONS or not is_moderator(request.user):
        raise PermissionDenied
    thread = get_object_or_404(Thread, pk=pk)
    if request.method == "GET":
        return TemplateResponse(
            request,
            CONFIRM_TEMPLATE,
            {"object": thread, "question": ACTION_LABELS[action], "header_title": thread.title},
        )
    THREAD_ACTIONS[action](thread, request.user)
    messages.success(request, _("“%(title)s” updated.") % {"title": thread.title})
    return redirect(reverse("wagtailsnippets_community_forums_thread:list"))


@require_http_methods(["GET", "POST"])
def post_hide_view(request: Any, pk: int) -> Any:
    """GET: confirm; POST: hide a post."""
    if not is_moderator(request.user):
        raise PermissionDenied
    post = get_object_or_404(Post.objects.select_related("thread"), pk=pk)
    if request.method == "GET":
        return TemplateResponse(
            request,
            CONFIRM_TEMPLATE,
            {
                "object": post,
                "question": _("Hide this post from everybody but staff?"),
                "header_title": str(post),
            },
        )
    services.post_hide(post=post, actor=request.user)
    messages.success(request, _("The post is hidden."))
    return redirect(reverse("wagtailsnippets_community_forums_post:list"))


@hooks.register("register_admin_urls")
def register_forum_admin_urls() -> list:
    return [
        path(
            "forums/threads/<int:pk>/<slug:action>/",
            thread_action_view,
            name="forums_thread_action",
        ),
        path("forums/posts/<int:pk>/hide/", post_hide_view, name="forums_post_hide"),
    ]


@hooks.register("register_snippet_listing_buttons")
def forum_listing_buttons(snippet: Any, user: Any, next_url: str | None = None) -> list:
    if not is_moderator(user):
        return []
    if isinstance(snippet, Thread):
        labels = {
            "pin": _("Unpin") if snippet.pinned else _("Pin"),
            "lock": _("Unlock") if snippet.locked else _("Lock"),
        }
        actions = [
            ("unpin" if snippet.pinned else "pin", labels["pin"], 10),
            ("unlock" if snippet.locked else "lock", labels["lock"], 20),
        ]
        if not snippet.hidden:
            actions.append(("hide", _("Hide"), 30))
        return [
            ListingButton(
                label,
                reverse("forums_thread_action", args=[snippet.pk, action]),
                priority=priority,
                attrs={"data-forum-action": action},
            )
            for action, label, priority in actions
        ]
    if isinstance(snippet, Post) and not snippet.hidden:
        return [
            ListingButton(
                _("Hide"),
                reverse("forums_post_hide", args=[snippet.pk]),
                priority=30,
            )
        ]
    return []


@hooks.register("register_log_actions")
def register_forum_log_actions(actions: Any) -> None:
    actions.register_action(services.LOG_PIN, _("Pin thread"), _("Thread pinned"))
    actions.register_action(services.LOG_UNPIN, _("Unpin thread"), _("Thread unpinned"))
    actions.register_action(services.LOG_LOCK, _("Lock thread"), _("Thread locked"))
    actions.register_action(services.LOG_UNLOCK, _("Unlock thread"), _("Thread unlocked"))
    actions.register_action(services.LOG_MOVE, _("Move thread"), _("Thread moved"))
    actions.register_action(services.LOG_HIDE, _("Hide"), _("Hidden by a moderator"))
    actions.register_action(services.LOG_ANSWER, _("Mark answer"), _("Answer marked"))
    actions.register_action(services.LOG_POST_DELETE, _("Delete post"), _("Post deleted"))
