"""Public forum pages: served by ``ForumCategoryPage``'s routes, plus stable redirects.

Every form works without JavaScript (a POST, then a redirect back). Writes go through
``community.forums.services``; refusals come back as the form's errors or a message, in the
visitor's language.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from community.forums import selectors, services
from community.forums.models import BODY_MAX, TITLE_MAX, ForumCategoryPage, Post, Thread
from core.exceptions import ApplicationError

THREADS_PER_PAGE = 20
POSTS_PER_PAGE = 20
ORDERING_CHOICES = [
    ("-last_activity", _("Latest activity")),
    ("-created_at", _("Newest")),
    ("-replies", _("Most replies")),
]


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=_("Message"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown: **bold**, *italic*, lists, links and `code`."),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )
    parent_id = forms.IntegerField(required=False, widget=forms.HiddenInput)


class PostEditForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )


def _apply_error(form: forms.Form, error: ApplicationError) -> None:
    if error.fields:
        for field, messages_ in error.fields.items():
            for message in messages_:
                form.add_error(field if field in form.fields else None, message)
    else:
        form.add_error(None, error.message)


def _render(
    request: HttpRequest, page: ForumCategoryPage, template: str, **context: Any
) -> HttpResponse:
    base = page.get_context(request)
    base.update({"nav_section": "forums", **context})
    return TemplateResponse(request, f"community/forums/{template}", base)


def thread_url(page: ForumCategoryPage, thread: Thread) -> str:
    return page.url + page.reverse_subpage("thread_detail", kwargs={"thread_id": thread.pk})


def _thread_in(page: ForumCategoryPage, request: HttpRequest, thread_id: int) -> Thread:
    try:
        thread = selectors.thread_get(user=request.user, thread_id=thread_id)
    except ApplicationError:
        raise Http404 from None
    if thread.category.translation_key != page.translation_key:
        raise Http404
    return thread


def _page_of(paginator: Paginator, number: Any) -> Any:
    try:
        return paginator.page(number or 1)
    except (PageNotAnInteger, EmptyPage):
        return paginator.page(1)


def category_threads(request: HttpRequest, page: ForumCategoryPage) -> HttpResponse:
    """The category's threads: pinned first, then by the chosen order; ``q`` searches."""
    query = (request.GET.get("q") or "").strip()[:200]
    ordering = request.GET.get("ordering") or "-last_activity"
    if ordering not in dict(ORDERING_CHOICES):
        ordering = "-last_activity"
    threads = selectors.thread_list(
        user=request.user, category=page, search=query, ordering=ordering
    )
    page_obj = _page_of(Paginator(threads, THREADS_PER_PAGE), request.GET.get("page"))
    params = {key: value for key, value in (("q", query), ("ordering", ordering)) if value}
    return _render(
        request,
        page,
        "forum_category_page.html",
        q=query,
        ordering=ordering,
        ordering_choices=ORDERING_CHOICES,
        page_obj=page_obj,
        threads=page_obj.object_list,
        query=urlencode(params),
        new_thread_url=page.url + page.reverse_subpage("thread_new"),
    )


def thread_new(request: HttpRequest, page: ForumCategoryPage) -> HttpResponse:
    """The new-thread form; a new member's thread waits for a moderator."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    form = ThreadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            thread = services.thread_create(
                author=request.user,  # type: ignore[arg-type]
                category=page,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        except ApplicationError as error:
            _apply_error(form, error)
        else:
            if thread.live:
                messages.success(request, _("Your thread is published."))
            else:
                messages.info(
                    request,
                    _("Thanks! A moderator will review your thread before others can see it."),
                )
            return HttpResponseRedirect(thread_url(page, thread))
    return _render(request, page, "thread_new.html", form=form)


def thread_detail(request: HttpRequest, page: ForumCategoryPage, thread_id: int) -> HttpResponse:
    """A thread with its nested replies (top-level replies paginated) and the reply form."""
    thread = _thread_in(page, request, thread_id)
    form = ReplyForm(request.POST or None)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if form.is_valid():
            parent = None
            parent_id = form.cleaned_data.get("parent_id")
            if parent_id:
                parent = Post.objects.filter(pk=parent_id, thread=thread).first()
            try:
                post = services.post_create(
                    thread=thread,
                    author=request.user,  # type: ignore[arg-type]
                    body=form.cleaned_data["body"],
                    parent=parent,
                )
            except ApplicationError as error:
                _apply_error(form, error)
            else:
                messages.success(request, _("Your reply is posted."))
                return HttpResponseRedirect(f"{thread_url(page, thread)}#post-{post.pk}")
    paginator = Paginator(selectors.top_level_posts(thread=thread), POSTS_PER_PAGE)
    page_obj = _page_of(paginator, request.GET.get("page"))
    roots = selectors.post_tree(thread=thread, roots=list(page_obj.object_list))
    user = request.user
    return _render(
        request,
        page,
        "thread_detail.html",
        thread=thread,
        posts=roots,
        page_obj=page_obj,
        form=form,
        is_moderator=selectors.is_moderator(user),
        subscribed=selectors.is_subscribed(thread=thread, user=user),
        edit_deadline=timezone.now() - services.edit_window(),
        thread_url=thread_url(page, thread),
        title=thread.title,
    )


def thread_subscribe(request: HttpRequest, page: ForumCategoryPage, thread_id: int) -> HttpResponse:
    """POST: follow or stop following the thread (``action`` subscribe/unsubscribe)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    thread = _thread_in(page, request, thread_id)
    if request.method == "POST":
        if request.POST.get("action") == "unsubscribe":
            services.thread_unsubscribe(thread=thread, user=request.user)  # type: ignore[arg-type]
            messages.success(request, _("You will no longer be notified of replies."))
        else:
            services.thread_subscribe(thread=thread, user=request.user)  # type: ignore[arg-type]
            messages.success(request, _("You will be notified of new replies."))
    return HttpResponseRedirect(thread_url(page, thread))


def _own_post(request: HttpRequest, thread: Thread, post_id: int) -> Post:
    post = Post.objects.filter(pk=post_id, thread=thread, author_id=request.user.pk).first()
    if post is None:
        raise Http404
    return post


def post_edit(
    request: HttpRequest, page: ForumCategoryPage, thread_id: int, post_id: int
) -> HttpResponse:
    """Edit one's own post within the edit window."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    thread = _thread_in(page, request, thread_id)
    post = _own_post(request, thread, post_id)
    form = PostEditForm(request.POST or None, initial={"body": post.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.post_update(
                post=post,
                actor=request.user,  # type: ignore[arg-type]
                body=form.cleaned_data["body"],
            )
        except ApplicationError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("Your post is updated."))
            return HttpResponseRedirect(f"{thread_url(page, thread)}#post-{post.pk}")
    return _render(
        request,
        page,
        "post_edit.html",
        thread=thread,
        post=post,
        form=form,
        thread_url=thread_url(page, thread),
    )


def post_delete(
    request: HttpRequest, page: ForumCategoryPage, thread_id: int, post_id: int
) -> HttpResponse:
    """Confirm (GET) and delete (POST) one's own post, leaving a tombstone."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    thread = _thread_in(page, request, thread_id)
    post = _own_post(request, thread, post_id)
    error = ""
    if request.method == "POST":
        try:
            services.post_delete(post=post, actor=request.user)  # type: ignore[arg-type]
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("Your post is deleted."))
            return HttpResponseRedirect(f"{thread_url(page, thread)}#post-{post.pk}")
    return _render(
        request,
        page,
        "post_delete.html",
        thread=thread,
        post=post,
        error=error,
        thread_url=thread_url(page, thread),
    )


# --- stable addresses (community/forums/urls.py) ------------------------------------------------


def _category_page_url(thread: Thread) -> str:
    locale = selectors.active_locale()
    page = (
        thread.category
        if locale is None
        else selectors.category_for_locale(thread.category, locale)
    )
    return thread_url(page, thread)


@require_GET
def thread_redirect(request: HttpRequest, thread_id: int) -> HttpResponse:
    """``forums/threads/<id>/`` → the thread's page in the visitor's language."""
    try:
        thread = selectors.thread_get(user=request.user, thread_id=thread_id)
    except ApplicationError:
        raise Http404 from None
    return HttpResponseRedirect(_category_page_url(thread))


@require_GET
def post_redirect(request: HttpRequest, post_id: int) -> HttpResponse:
    """``forums/posts/<id>/`` → the post on its thread's page."""
    try:
        post = selectors.post_get(user=request.user, post_id=post_id)
    except ApplicationError:
        raise Http404 from None
    thread = selectors.thread_get(user=request.user, thread_id=post.thread_id)
    return HttpResponseRedirect(f"{_category_page_url(thread)}#post-{post.pk}")
