"""Forums: categories are Wagtail pages, threads and posts are what members write.

- ``ForumIndexPage``: one per locale under each home page (slug ``forums``), listing its
  categories.
- ``ForumCategoryPage``: a category, translated with Wagtail's localisation (one translation key
  per category). It is a routable page: the thread list, ``t/<id>/`` (a thread with nested
  replies), ``new/`` (the new-thread form).
- ``Thread``: a snippet with drafts, revisions and workflows. A thread by a new member is a draft
  submitted to the "Forum approval" workflow; everyone else's is published at once.
- ``Post``: a reply, optionally to another reply (``parent``); ``root`` is its top-level post, so a
  page of top-level posts fetches its whole subtree in one query.

Both locales share threads: a thread points at the category page of the default locale (the
source of the translation key), and a category page of any locale lists the threads of its
translation key (``selectors.category_source``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.models import DraftStateMixin, Page, RevisionMixin, WorkflowMixin
from wagtail.search import index

from core.markdown import markdown_render
from marketplace.search import normalise

TITLE_MAX = 200
BODY_MAX = 20_000

# The same promote tab as the cms pages (not imported: cms reads community, not the reverse).
PROMOTE_PANELS = [
    MultiFieldPanel(
        [FieldPanel("slug"), FieldPanel("seo_title"), FieldPanel("search_description")],
        heading=_("For search engines"),
    ),
    MultiFieldPanel([FieldPanel("show_in_menus")], heading=_("For site menus")),
]


class ForumIndexPage(Page):
    """The forums' front page of one locale: its categories with counts and last activity."""

    intro = models.TextField(_("introduction"), blank=True, max_length=500)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    promote_panels = PROMOTE_PANELS
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    max_count_per_parent = 1
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["community_forums.ForumCategoryPage"]
    template = "community/forums/forum_index_page.html"

    class Meta:
        verbose_name = _("forum index")
        verbose_name_plural = _("forum indexes")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict:
        from community.forums import selectors

        context = super().get_context(request, *args, **kwargs)
        context["nav_section"] = "forums"
        context["categories"] = selectors.category_list(locale=self.locale)
        return context


class ForumCategoryPage(RoutablePageMixin, Page):
    """A forum category; its routes are the thread list, a thread, and the new-thread form."""

    description = models.TextField(_("description"), blank=True, max_length=500)

    content_panels = [*Page.content_panels, FieldPanel("description")]
    promote_panels = PROMOTE_PANELS
    search_fields = [*Page.search_fields, index.SearchField("description")]
    parent_page_types = ["community_forums.ForumIndexPage"]
    subpage_types: list[str] = []
    template = "community/forums/forum_category_page.html"

    class Meta:
        verbose_name = _("forum category")
        verbose_name_plural = _("forum categories")

    # Forum pages change with every post, not with page publication: they are never stored in
    # the anonymous page cache (they do not derive from cms.models.SitePage).

    @path("")
    def thread_list(self, request: HttpRequest) -> HttpResponse:
        from community.forums import views

        return views.category_threads(request, self)

    @path("new/")
    def thread_new(self, request: HttpRequest) -> HttpResponse:
        from community.forums import views

        return views.thread_new(request, self)

    @path("t/<int:thread_id>/")
    def thread_detail(self, request: HttpRequest, thread_id: int) -> HttpResponse:
        from community.forums import views

        return views.thread_detail(request, self, thread_id)

    @path("t/<int:thread_id>/subscribe/")
    def thread_subscribe(self, request: HttpRequest, thread_id: int) -> HttpResponse:
        from community.forums import views

        return views.thread_subscribe(request, self, thread_id)

    @path("t/<int:thread_id>/p/<int:post_id>/edit/")
    def post_edit(self, request: HttpRequest, thread_id: int, post_id: int) -> HttpResponse:
        from community.forums import views

        return views.post_edit(request, self, thread_id, post_id)

    @path("t/<int:thread_id>/p/<int:post_id>/delete/")
    def post_delete(self, request: HttpRequest, thread_id: int, post_id: int) -> HttpResponse:
        from community.forums import views

        return views.post_delete(request, self, thread_id, post_id)


class ModerationStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    PENDING = "pending", _("Awaiting approval")
    REJECTED = "rejected", _("Rejected")


class Thread(WorkflowMixin, DraftStateMixin, RevisionMixin, models.Model):
    """A discussion: a title and an opening body in Markdown, and the replies under it."""

    category = models.ForeignKey(
        ForumCategoryPage,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="threads",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.CASCADE,
        related_name="forum_threads",
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("body"), max_length=BODY_MAX)
    body_html = models.TextField(editable=False, blank=True)
    # Normalised title and body (marketplace.search.normalise): what ``search=`` matches.
    search_text = models.TextField(editable=False, blank=True)
    moderation_status = models.CharField(
        _("moderation status"),
        max_length=16,
        choices=ModerationStatus.choices,
        default=ModerationStatus.PUBLISHED,
        editable=False,
    )
    reply_count = models.PositiveIntegerField(_("replies"), default=0, editable=False)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    pinned = models.BooleanField(_("pinned"), default=False)
    locked = models.BooleanField(_("locked"), default=False)
    hidden = models.BooleanField(_("hidden"), default=False)
    answer = models.ForeignKey(
        "Post",
        verbose_name=_("answer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("forum thread")
        verbose_name_plural = _("forum threads")
        permissions = [("moderate_thread", "Can pin, lock, move and hide forum threads")]
        indexes = [
            models.Index(fields=["category", "-last_activity_at"], name="forum_thread_cat_act"),
            models.Index(fields=["-last_activity_at"], name="forum_thread_activity"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The HTML is always the sanitiser's output for the stored Markdown (core/markdown.py).
        self.body_html = markdown_render(self.body)
        self.search_text = normalise(self.title, self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html", "search_text"}
        super().save(*args, **kwargs)

    @property
    def is_visible(self) -> bool:
        return self.live and not self.hidden


class Post(models.Model):
    """A reply in a thread, to the thread (no parent) or to another reply."""

    thread = models.ForeignKey(
        Thread, verbose_name=_("thread"), on_delete=models.CASCADE, related_name="posts"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.CASCADE,
        related_name="forum_posts",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("in reply to"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    # The top-level post of this post's subtree (itself for a top-level post; set on create).
    root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+", editable=False
    )
    body = models.TextField(_("body"), max_length=BODY_MAX, blank=True)
    body_html = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True, editable=False)
    # A deleted post keeps its row (its replies stay in place) with an empty body: a tombstone.
    deleted = models.BooleanField(_("deleted"), default=False)
    hidden = models.BooleanField(_("hidden"), default=False)

    class Meta:
        verbose_name = _("forum post")
        verbose_name_plural = _("forum posts")
        indexes = [
            models.Index(fields=["thread", "parent", "id"], name="forum_post_thread_parent"),
            models.Index(fields=["root", "id"], name="forum_post_root"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} · {self.thread_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.body_html = markdown_render(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)

    @property
    def is_visible(self) -> bool:
        return not self.hidden


class ThreadSubscription(models.Model):
    """A member who gets ``forum_reply`` notifications for a thread."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_subscriptions"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("thread subscription")
        verbose_name_plural = _("thread subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="forum_subscription_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.thread_id}"
