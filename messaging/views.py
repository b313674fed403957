"""The member's messages and notifications pages (``me/messages/…``, ``me/notifications/``).

Thin views over ``messaging.selectors`` and ``messaging.services``: every form posts to a service
and works without JavaScript; with it, ``chat.js`` and ``notifications.js`` make the same pages live
over ``/ws/threads/{id}/`` and ``/ws/notifications/``, signed in by the browser's session (the
socket middleware in ``accounts/websocket_auth.py`` accepts it). Another member's thread or
notification is a 404, as in the API.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import MemberRequest
from accounts.models import User
from core.exceptions import ApplicationError
from messaging import selectors, services
from messaging.models import Notification, Thread

THREADS_PER_PAGE = 20
MESSAGES_PER_PAGE = 30
NOTIFICATIONS_PER_PAGE = 20
# The longest message the page's form offers; the service has the final word.
CONTENT_MAX_LENGTH = 5000


def _page(request: HttpRequest, items: QuerySet[Any], per_page: int) -> Page:
    paginator = Paginator(items, per_page)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages)


def _error_text(error: ApplicationError) -> list[str]:
    """The reasons a refusal gives, for the form: its field errors, else its message."""
    reasons = [str(reason) for values in (error.fields or {}).values() for reason in values]
    return reasons or [str(error.message)]


def _other_member(thread: Thread, user: User) -> User | None:
    """The other member of a two-person thread (participants prefetched), else None."""
    others = [p.user for p in thread.participants.all() if p.user_id != user.pk]
    return others[0] if len(others) == 1 else None


def _thread_title(thread: Thread, other: User | None) -> str:
    if thread.title:
        return thread.title
    if other is not None:
        return other.public_name
    return _("Conversation")


@login_required
@require_GET
def thread_list(request: MemberRequest) -> HttpResponse:
    """The member's conversations: the other party, the last message, how many are unread."""
    page = _page(request, selectors.thread_list(user=request.user), THREADS_PER_PAGE)
    rows = []
    for thread in page.object_list:
        other = _other_member(thread, request.user)
        rows.append(
            {
                "thread": thread,
                "other": other,
                "title": _thread_title(thread, other),
                "last": thread.last_message,
                "unread": thread.unread_count,
            }
        )
    return render(request, "messaging/pages/thread_list.html", {"page_obj": page, "rows": rows})


def _thread_context(request: HttpRequest, thread: Thread, *, errors: list[str], draft: str) -> dict:
    page = _page(request, selectors.message_list(thread=thread), MESSAGES_PER_PAGE)
    history = list(page.object_list)
    history.reverse()  # oldest first on screen; page 2 is older
    others = [p for p in thread.participants.all() if p.user_id != request.user.pk]
    other = others[0].user if len(others) == 1 else None
    # Seen: every other member has read up to it (the same rule as the API's ``is_read``).
    seen_up_to = min((p.last_read_message_id for p in others), default=0)
    return {
        "thread": thread,
        "other": other,
        "title": _thread_title(thread, other),
        "page_obj": page,
        "history": history,
        "seen_up_to": seen_up_to,
        "errors": errors,
        "draft": draft,
        "content_max_length": CONTENT_MAX_LENGTH,
    }


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def thread_detail(request: MemberRequest, thread_id: int) -> HttpResponse:
    """One conversation: its history (paginated, newest page first) and the send form.

    Opening the newest page moves the reader's read position to the newest message (the other
    side sees "Seen"); a POST sends through ``messaging.services.message_send`` and redirects.
    """
    thread = selectors.thread_get(user=request.user, thread_id=thread_id)
    errors: list[str] = []
    draft = ""
    if request.method == "POST":
        draft = request.POST.get("content", "")
        try:
            services.message_send(thread=thread, sender=request.user, content=draft)
        except ApplicationError as error:
            errors = _error_text(error)
        else:
            return redirect("messaging:thread", thread_id=thread.pk)
    elif not request.GET.get("page") or request.GET.get("page") == "1":
        services.thread_mark_read(thread=thread, user=request.user)
    context = _thread_context(request, thread, errors=errors, draft=draft)
    return render(
        request, "messaging/pages/thread_detail.html", context, status=400 if errors else 200
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def thread_new(request: MemberRequest) -> HttpResponse:
    """``me/messages/new/?to=<user_id>``: the conversation with that member, started if need be.

    The pair's one direct thread when it exists; otherwise a form whose first message creates it
    (``messaging.services.message_send_to_user``), so no empty thread is left behind by a visit.
    """
    raw = request.POST.get("to") if request.method == "POST" else request.GET.get("to")
    if not raw or not raw.isdigit():
        raise Http404
    receiver = get_object_or_404(User, pk=int(raw), is_active=True)
    if receiver.pk == request.user.pk:
        raise Http404
    existing = selectors.thread_for_pair(user_a_id=request.user.pk, user_b_id=receiver.pk)
    if existing is not None and request.method == "GET":
        return redirect("messaging:thread", thread_id=existing.pk)
    errors: list[str] = []
    draft = ""
    if request.method == "POST":
        draft = request.POST.get("content", "")
        try:
            message = services.message_send_to_user(
                sender=request.user, receiver=receiver, content=draft
            )
        except ApplicationError as error:
            errors = _error_text(error)
        else:
            return redirect("messaging:thread", thread_id=message.thread_id)
    context = {
        "receiver": receiver,
        "errors": errors,
        "draft": draft,
        "content_max_length": CONTENT_MAX_LENGTH,
    }
    return render(
        request, "messaging/pages/thread_new.html", context, status=400 if errors else 200
    )


@login_required
@require_GET
def notification_list(request: MemberRequest) -> HttpResponse:
    """The member's notifications, newest first, with mark-read forms."""
    page = _page(request, selectors.notification_list(user=request.user), NOTIFICATIONS_PER_PAGE)
    unread = Notification.objects.filter(recipient=request.user, is_read=False).count()
    return render(
        request,
        "messaging/pages/notification_list.html",
        {"page_obj": page, "notifications": page.object_list, "unread": unread},
    )


def _back_to_notifications(request: HttpRequest) -> HttpResponse:
    page = request.POST.get("page", "")
    url = reverse("messaging:notifications")
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


@login_required
@require_POST
def notification_read(request: MemberRequest, notification_id: int) -> HttpResponse:
    """Mark one of the member's notifications read (``?unread`` in the form: unread again)."""
    notification = get_object_or_404(
        selectors.notification_list(user=request.user), pk=notification_id
    )
    services.notification_mark(
        notification=notification, is_read=request.POST.get("is_read", "1") != "0"
    )
    return _back_to_notifications(request)


@login_required
@require_POST
def notification_read_all(request: MemberRequest) -> HttpResponse:
    """Mark every notification of the member read."""
    count = services.notification_mark_all_read(user=request.user)
    if count:
        flash.success(request, _("All notifications are marked as read."))
    return _back_to_notifications(request)


@login_required
@never_cache
@require_GET
def notification_unread_count(request: MemberRequest) -> JsonResponse:
    """``{"unread": N}`` for the header's bell (``notifications.js``): one query, no page render."""
    count = Notification.objects.filter(recipient=request.user, is_read=False).count()
    return JsonResponse({"unread": count})
