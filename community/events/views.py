"""Event pages' data and the member's booking actions (forms that work without JavaScript).

The index and event pages are Wagtail pages (``models.py``); their ``get_context`` calls
``index_context`` / ``event_context`` here. The actions post to ``me/events/<id>/…`` (signed in,
never cached); a refusal is shown on the event page as a message and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.forms import CleanTextField
from accounts.http import MemberRequest
from accounts.views import member_page
from community.events import selectors, services
from community.events.models import INDEX_PAGE_SIZE, EventBooking, EventIndexPage, EventPage
from core.exceptions import ApplicationError, NotFound
from exchanges.api.filters import DateOrDateTimeField
from marketplace.models import Category

B = EventBooking.Status
BOOKINGS_PAGE_SIZE = 20


class EventFilterForm(forms.Form):
    search = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    category: forms.ModelChoiceField[Category] = forms.ModelChoiceField(
        label=gettext_lazy("Category"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        empty_label=gettext_lazy("All categories"),
    )
    location = forms.CharField(label=gettext_lazy("Location"), required=False, max_length=200)
    date_after = DateOrDateTimeField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_before = DateOrDateTimeField(
        label=gettext_lazy("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    when = forms.ChoiceField(
        label=gettext_lazy("When"),
        required=False,
        choices=[("upcoming", gettext_lazy("Upcoming")), ("past", gettext_lazy("Past"))],
    )


def _page_number(paginator: Paginator, raw: str | None) -> Any:
    try:
        return paginator.page(raw or 1)
    except (PageNotAnInteger, EmptyPage):
        return paginator.page(1)


def _seats_left(source: EventPage) -> int:
    seats = getattr(source, "seats", None)
    return max(source.capacity - (seats.confirmed if seats else 0), 0)


def index_context(request: HttpRequest, *, index: EventIndexPage) -> dict[str, Any]:
    """The events of the index's language, filtered by the form (constant queries)."""
    form = EventFilterForm(request.GET or None)
    events = selectors.event_list()
    now = timezone.now()
    when = "upcoming"
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        when = data["when"] or "upcoming"
        if data["search"]:
            text = data["search"].strip()
            events = events.filter(
                Q(title__icontains=text) | Q(summary__icontains=text) | Q(location__icontains=text)
            )
        if data["category"]:
            category = data["category"]
            events = events.filter(Q(category=category) | Q(category__parent=category))
        if data["location"]:
            events = events.filter(
                Q(location__icontains=data["location"]) | Q(venue__icontains=data["location"])
            )
        if data["date_after"]:
            events = events.filter(starts_at__gte=data["date_after"][0])
        if data["date_before"]:
            moment, whole_day = data["date_before"]
            if whole_day:
                events = events.filter(starts_at__lt=moment + dt.timedelta(days=1))
            else:
                events = events.filter(starts_at__lte=moment)
    if when == "past":
        events = events.filter(starts_at__lte=now).order_by("-starts_at", "-id")
    else:
        events = events.filter(starts_at__gt=now).order_by("starts_at", "id")
    page_obj = _page_number(Paginator(events, INDEX_PAGE_SIZE), request.GET.get("page"))
    pages = list(page_obj.object_list)
    sources = selectors.source_pages(pages)
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "nav_section": "events",
        "form": form,
        "when": when,
        "page_obj": page_obj,
        "events": [(page, sources[page.pk], _seats_left(sources[page.pk])) for page in pages],
        "query": query.urlencode(),
    }


def event_context(request: HttpRequest, *, page: EventPage) -> dict[str, Any]:
    """The event's seats and the visitor's booking (from the source page)."""
    source = page.source_page()
    seats = getattr(source, "seats", None)
    confirmed = seats.confirmed if seats else 0
    booking = None
    user = request.user
    if user.is_authenticated:
        booking = (
            EventBooking.objects.filter(event=source, member=user)
            .exclude(status=B.CANCELLED)
            .first()
        )
    is_host = user.is_authenticated and source.host_id == user.pk
    return {
        "nav_section": "events",
        "source": source,
        "seats_left": max(source.capacity - confirmed, 0),
        "registered_count": confirmed,
        "waitlist_count": seats.waitlisted if seats else 0,
        "is_cancelled": bool(seats and seats.cancelled_at),
        "booking": booking,
        "is_host": is_host,
        "show_online_url": is_host or (booking is not None and booking.status == B.CONFIRMED),
        "refund_now": services.refund_for(booking=booking, now=timezone.now())
        if booking is not None and booking.points_held
        else 0,
    }


class MessageForm(forms.Form):
    content = CleanTextField(
        label=gettext_lazy("Message to every attendee"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _event_or_404(event_id: int) -> EventPage:
    try:
        return selectors.event_get(event_id=event_id)
    except NotFound:
        raise Http404 from None


def _refusal(request: HttpRequest, error: ApplicationError) -> None:
    text = " ".join(str(m) for field in error.fields.values() for m in field)
    messages.error(request, text or error.message)


def _back(event: EventPage) -> HttpResponse:
    return redirect(event.get_url() or "/")


@member_page
@require_POST
def event_book(request: MemberRequest, event_id: int) -> HttpResponse:
    """Book a seat or join the waiting list, then show the event page again."""
    event = _event_or_404(event_id)
    try:
        booking = services.event_book(event=event, member=request.user)
    except ApplicationError as error:
        _refusal(request, error)
        return _back(event)
    if booking.status == B.CONFIRMED:
        messages.success(request, _("Your seat is booked."))
    else:
        messages.info(
            request,
            _("The event is full: you are number %(position)s on the waiting list.")
            % {"position": booking.position},
        )
    return _back(event)


@member_page
@require_POST
def event_cancel_booking(request: MemberRequest, event_id: int) -> HttpResponse:
    """Cancel the member's booking (refund by the policy), then show the event page again."""
    event = _event_or_404(event_id)
    try:
        outcome = services.event_booking_cancel(event=event, member=request.user)
    except ApplicationError as error:
        _refusal(request, error)
        return _back(event)
    if outcome.refunded:
        messages.success(
            request,
            _("Your booking is cancelled; %(points)s points were refunded.")
            % {"points": outcome.refunded},
        )
    else:
        messages.success(request, _("Your booking is cancelled."))
    return _back(event)


@member_page
@require_POST
def event_message_attendees(request: MemberRequest, event_id: int) -> HttpResponse:
    """The host opens the attendees' group thread (posting the message when given)."""
    event = _event_or_404(event_id)
    form = MessageForm(request.POST)
    content = form.cleaned_data["content"] if form.is_valid() else ""
    try:
        thread = services.event_attendees_thread(
            event=event, host=request.user, content=content or None
        )
    except ApplicationError as error:
        _refusal(request, error)
        return _back(event)
    return redirect(reverse("messaging:thread", args=[thread.pk]))


@member_page
def booking_list(request: MemberRequest) -> HttpResponse:
    """The member's bookings: upcoming first, then past and cancelled (constant queries)."""
    status = request.GET.get("status", "")
    bookings = selectors.booking_list(user=request.user)
    if status in B.values:
        bookings = bookings.filter(status=status)
    else:
        status = ""
    page_obj = _page_number(Paginator(bookings, BOOKINGS_PAGE_SIZE), request.GET.get("page"))
    rows = list(page_obj.object_list)
    translations = selectors.translations_for([row.event for row in rows])
    return render(
        request,
        "community/events/my_bookings.html",
        {
            "page_obj": page_obj,
            "rows": [(row, translations.get(row.event_id, row.event)) for row in rows],
            "statuses": B.choices,
            "status": status,
            "query": f"status={status}" if status else "",
            "now": timezone.now(),
        },
    )
