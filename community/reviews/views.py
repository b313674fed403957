"""The member's review pages: write a review of a swap, edit it, reply to one, list one's reviews.

Every write goes through ``community.reviews.services``; a refusal is shown on the form in the
member's language and changes nothing. The forms post without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.forms import form_errors_apply
from accounts.http import MemberRequest
from accounts.views import form_status, member_page
from community.reviews import selectors, services
from community.reviews.forms import ReplyForm, ReviewForm
from community.reviews.models import Review
from core.exceptions import ApplicationError, NotFound
from exchanges import selectors as exchanges_selectors
from exchanges.models import Swap

PAGE_SIZE = 20


def _swap_url(swap_id: int) -> str:
    return reverse("exchanges:swap_detail", kwargs={"swap_id": swap_id})


def _swap_or_404(request: MemberRequest, swap_id: int) -> Swap:
    try:
        return exchanges_selectors.swap_get(user=request.user, swap_id=swap_id)
    except NotFound:
        raise Http404 from None


@member_page
@require_http_methods(["GET", "POST"])
def review_new(request: MemberRequest, swap_id: int) -> HttpResponse:
    """Review the other party of a completed swap (the swap page posts its form here)."""
    swap = _swap_or_404(request, swap_id)
    existing = Review.objects.filter(swap=swap, reviewer=request.user).first()
    if existing is not None:
        return redirect("reviews:edit", review_id=existing.pk)
    form = ReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                review = services.review_create(
                    reviewer=request.user,
                    swap_id=swap.pk,
                    rating=form.cleaned_data["rating"],
                    comment=form.cleaned_data["comment"],
                    tags=form.cleaned_data["tags"],
                )
            except ApplicationError as error:
                form_errors_apply(form, error)
                status = error.status_code
            else:
                if review.is_published:
                    messages.success(request, _("Thank you: your review is published."))
                else:
                    messages.info(
                        request,
                        _("Your review is saved; it is published once the dispute is resolved."),
                    )
                return redirect(_swap_url(swap.pk))
        else:
            status = form_status(form)
    context = {"swap": swap, "other": swap.other_party(request.user), "form": form}
    return render(request, "community/reviews/review_form.html", context, status=status)


@member_page
@require_http_methods(["GET", "POST"])
def review_edit(request: MemberRequest, review_id: int) -> HttpResponse:
    """Edit one's own review while the edit window is open."""
    review = (
        Review.objects.select_related("swap", "reviewee")
        .filter(pk=review_id, reviewer=request.user)
        .first()
    )
    if review is None:
        raise Http404
    initial = {"rating": review.rating, "comment": review.comment, "tags": review.tags}
    form = ReviewForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.review_update(
                    review=review,
                    actor=request.user,
                    rating=form.cleaned_data["rating"],
                    comment=form.cleaned_data["comment"],
                    tags=form.cleaned_data["tags"],
                )
            except ApplicationError as error:
                form_errors_apply(form, error)
                status = error.status_code
            else:
                messages.success(request, _("Your review was updated."))
                return redirect(_swap_url(review.swap_id))
        else:
            status = form_status(form)
    context = {
        "swap": review.swap,
        "other": review.reviewee,
        "form": form,
        "review": review,
        "can_edit": services.review_can_edit(review=review, user=request.user),
    }
    return render(request, "community/reviews/review_form.html", context, status=status)


@member_page
@require_http_methods(["GET", "POST"])
def review_reply(request: MemberRequest, review_id: int) -> HttpResponse:
    """Reply once to a published review of oneself."""
    review = (
        Review.objects.select_related("swap", "reviewer")
        .filter(pk=review_id, reviewee=request.user, status=Review.Status.PUBLISHED)
        .first()
    )
    if review is None:
        raise Http404
    form = ReplyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.review_reply(
                    review=review, actor=request.user, reply=form.cleaned_data["reply"]
                )
            except ApplicationError as error:
                form_errors_apply(form, error)
                status = error.status_code
            else:
                messages.success(request, _("Your reply is published."))
                return HttpResponseRedirect(_swap_url(review.swap_id))
        else:
            status = form_status(form)
    context = {"review": review, "form": form}
    return render(request, "community/reviews/reply_form.html", context, status=status)


@member_page
def review_list(request: MemberRequest) -> HttpResponse:
    """Reviews of the member (with reply links) or by the member (``?tab=written``)."""
    tab = "written" if request.GET.get("tab") == "written" else "received"
    reviews = selectors.review_list_own(user=request.user)
    reviews = (
        reviews.filter(reviewer=request.user)
        if tab == "written"
        else reviews.filter(reviewee=request.user)
    )
    page = Paginator(reviews.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"tab": tab, "page": page, "reviews": list(page.object_list)}
    return render(request, "community/reviews/mine.html", context)
