"""Public marketplace pages: offers (search, filters, pagination), an offer, categories, a profile.

Thin views over the marketplace selectors; the offer list applies the API's own filter set
(``marketplace.api.filters.OfferFilterSet``) so the page and ``GET /api/v1/offers/`` find the same
offers for the same query. Anonymous answers are cached (``marketplace.cache``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError as FilterValidationError

from marketplace import selectors
from marketplace.api.filters import OFFER_ORDERINGS, OfferFilterSet
from marketplace.cache import public_page
from marketplace.models import AvailabilitySlot, Category, Offer, OfferMode, Proficiency

PAGE_SIZE = 20
# The orderings offered in the page's form (the API accepts a few more aliases of these).
ORDERING_CHOICES = ("relevance", "newest", "oldest", "price", "-price", "-rating")
FILTER_KEYS = ("category", "mode", "price_min", "price_max", "location", "ordering")
AVAILABILITY_DAYS = 7


def _ordering_labels() -> list[tuple[str, str]]:
    labels = {
        "relevance": _("Best match"),
        "newest": _("Newest"),
        "oldest": _("Oldest"),
        "price": _("Price: low to high"),
        "-price": _("Price: high to low"),
        "-rating": _("Best rated"),
    }
    return [(key, labels[key]) for key in ORDERING_CHOICES if key in OFFER_ORDERINGS]


def _filter_data(params: QueryDict) -> dict[str, str]:
    """The page's query string as the API filter set's input (``q`` is the API's ``search``)."""
    data = {key: params.get(key, "").strip() for key in FILTER_KEYS if params.get(key, "").strip()}
    text = params.get("q", "").strip()
    if text:
        data["search"] = text[:200]
    return data


def _paginate(request: HttpRequest, items: QuerySet[Offer]) -> Page:
    paginator: Paginator = Paginator(items, PAGE_SIZE)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        raise Http404(_("There is no such page of results.")) from None


@public_page
def offer_list(request: HttpRequest) -> HttpResponse:
    """Search and filter active offers, 20 a page, in the visitor's language."""
    data = _filter_data(request.GET)
    filterset = OfferFilterSet(
        data=data, queryset=selectors.offer_queryset(viewer=None), request=request
    )
    errors: dict[str, list[str]] = {}
    try:
        if filterset.is_valid():
            offers = filterset.qs
        else:
            errors = {field: list(messages) for field, messages in filterset.errors.items()}
            offers = selectors.offer_queryset(viewer=None).none()
    except FilterValidationError as error:
        detail = error.detail if isinstance(error.detail, dict) else {"search": error.detail}
        errors = {
            field: [str(message) for message in messages] for field, messages in detail.items()
        }
        offers = selectors.offer_queryset(viewer=None).none()
    page_obj = _paginate(request, offers)
    query = urlencode(
        ([("q", data["search"])] if "search" in data else [])
        + [(key, value) for key, value in data.items() if key != "search"]
    )
    context = {
        "nav_section": "offers",
        "page_obj": page_obj,
        "offers": page_obj.object_list,
        "query": query,
        "q": data.get("search", ""),
        "filters": data,
        "errors": errors,
        "categories": selectors.category_list(),
        "modes": OfferMode.choices,
        "orderings": _ordering_labels(),
    }
    return render(request, "marketplace/public/offer_list.html", context)


@public_page
def offer_detail(request: HttpRequest, offer_id: int) -> HttpResponse:
    """One active offer, with its owner and a way to request a swap."""
    offer = selectors.offer_get(viewer=None, offer_id=offer_id)
    if offer is None:
        raise Http404(_("This offer does not exist or is no longer listed."))
    context = {
        "nav_section": "offers",
        "offer": offer,
        "request_url": f"/{request.LANGUAGE_CODE}/me/swaps/new/?{urlencode({'offer': offer.pk})}",
        "message_url": f"{reverse('messaging:new')}?{urlencode({'to': offer.owner_id})}",
    }
    return render(request, "marketplace/public/offer_detail.html", context)


@public_page
def category_list(request: HttpRequest) -> HttpResponse:
    """Every active category, parents first, each linking to its offers."""
    categories = selectors.category_list()
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    tree = [(category, children.get(category.pk, [])) for category in children.get(None, [])]
    context = {"nav_section": "categories", "tree": tree}
    return render(request, "marketplace/public/category_list.html", context)


def _upcoming_availability(
    slots: list[AvailabilitySlot], owner_zone: zoneinfo.ZoneInfo, days: int = AVAILABILITY_DAYS
) -> list[tuple[dt.datetime, dt.datetime]]:
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    end = start + dt.timedelta(days=days)
    return [
        (max(window_start, start), min(window_end, end))
        for window_start, window_end in selectors.slot_intervals(slots, owner_zone, start, end)
        if window_end > start and window_start < end
    ]


@public_page
def profile(request: HttpRequest, user_id: int) -> HttpResponse:
    """A member's public profile: skills, rating, offers and the week's availability.

    Availability is shown in the viewer's time zone (the page is rendered under it: base.html);
    reviews and badges are filled in by ``{% block reviews %}`` / ``{% block badges %}``.
    """
    member = (
        get_user_model()
        .objects.filter(pk=user_id, is_active=True, deleted_at__isnull=True)
        .only(
            "id",
            "display_name",
            "first_name",
            "last_name",
            "bio",
            "city",
            "country",
            "languages",
            "avatar",
            "time_zone",
            "rating_average",
            "rating_count",
            "date_joined",
        )
        .first()
    )
    if member is None:
        raise Http404(_("This member does not exist."))
    skills = selectors.user_skills_profile_section(member)
    labels = dict(Proficiency.choices)
    for skill in skills["offered"] + skills["wanted"]:
        skill["proficiency_label"] = labels.get(skill["proficiency_level"], "")
    slots = list(AvailabilitySlot.objects.filter(user_id=member.pk))
    offers = list(
        selectors.offer_queryset(viewer=None).filter(owner_id=member.pk).order_by("-created_at")[:6]
    )
    context = {
        "member": member,
        "message_url": f"{reverse('messaging:new')}?{urlencode({'to': member.pk})}",
        "skills": skills,
        "availability": _upcoming_availability(slots, selectors.user_zone(member)),
        "offers": offers,
    }
    return render(request, "marketplace/public/profile.html", context)
