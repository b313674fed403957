"""Wagtail pages of the public site: home, standard, help centre and landing pages.

The page tree, per locale (en and ar are translated trees; docs/architecture.md):
home → standard pages (About…), the help index → help articles, landing pages.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.query import PageQuerySet
from wagtail.search import index

from cms.blocks import RICH_TEXT_FEATURES, content_blocks, section_blocks
from marketplace.cache import mark_public

HELP_PAGE_SIZE = 20

SEO_PANELS = [
    MultiFieldPanel(
        [
            FieldPanel("slug"),
            FieldPanel("seo_title"),
            FieldPanel("search_description"),
        ],
        heading=_("For search engines"),
    ),
    MultiFieldPanel([FieldPanel("show_in_menus")], heading=_("For site menus")),
]


class SitePage(Page):
    """What every public page shares: its anonymous answers may be cached (marketplace.cache)."""

    promote_panels = SEO_PANELS

    class Meta:
        abstract = True

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Previews go through serve_preview, never here: they are never marked.
        response = super().serve(request, *args, **kwargs)
        return mark_public(response)


class HomePage(SitePage):
    """The site's front page, one per locale (/en/ and /ar/), built from blocks."""

    body = StreamField(section_blocks(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    max_count_per_parent = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "cms.StandardPage",
        "cms.HelpIndexPage",
        "cms.LandingPage",
        "community_events.EventIndexPage",
        "community_forums.ForumIndexPage",
    ]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context["is_home"] = True
        return context


class StandardPage(SitePage):
    """A plain page of text and images: About, Terms, Privacy."""

    intro = models.TextField(_("introduction"), blank=True, max_length=500)
    body = StreamField(content_blocks(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["cms.HomePage", "cms.StandardPage", "cms.LandingPage"]
    subpage_types = ["cms.StandardPage"]

    class Meta:
        verbose_name = _("standard page")
        verbose_name_plural = _("standard pages")


class HelpIndexPage(SitePage):
    """The help centre: its articles, and a search over them (``?q=``)."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    max_count_per_parent = 1
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.HelpArticlePage"]

    class Meta:
        verbose_name = _("help index")
        verbose_name_plural = _("help indexes")

    def articles(self) -> PageQuerySet:
        return HelpArticlePage.objects.live().public().child_of(self).order_by("path")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict:
        context = super().get_context(request, *args, **kwargs)
        query = (request.GET.get("q") or "").strip()[:200]
        if query:
            results = list(self.articles().search(query, order_by_relevance=True))
        else:
            results = list(self.articles().specific())
        paginator = Paginator(results, HELP_PAGE_SIZE)
        try:
            page_obj = paginator.page(request.GET.get("page") or 1)
        except (PageNotAnInteger, EmptyPage):
            page_obj = paginator.page(1)
        context.update(
            {
                "nav_section": "help",
                "q": query,
                "page_obj": page_obj,
                "articles": page_obj.object_list,
                "query": f"q={query}" if query else "",
            }
        )
        return context


class HelpArticlePage(SitePage):
    """One help article, under the help index."""

    summary = models.TextField(_("summary"), blank=True, max_length=300)
    body = StreamField(content_blocks(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("summary"), FieldPanel("body")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.AutocompleteField("title"),
    ]
    parent_page_types = ["cms.HelpIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("help article")
        verbose_name_plural = _("help articles")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict:
        context = super().get_context(request, *args, **kwargs)
        context["nav_section"] = "help"
        return context


class LandingPage(SitePage):
    """A campaign or category page built freely from blocks."""

    body = StreamField(section_blocks(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    parent_page_types = ["cms.HomePage", "cms.LandingPage"]
    subpage_types = ["cms.LandingPage", "cms.StandardPage"]

    class Meta:
        verbose_name = _("landing page")
        verbose_name_plural = _("landing pages")
