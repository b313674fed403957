"""Thin views of the reviews API: validate, call one service or selector, serialize.

``reviews/`` is canonical; seed 003's body (``meeting_id``, ``reviewee_id``, ``review_text``) is
accepted on the same ``POST reviews/`` and answered in its shape, and seed 004's ``feedback/``
serves the same reviews in its vocabulary (docs/api.md, "Seed aliases").
"""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import generics, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from community.reviews import selectors, services
from community.reviews.api import serializers as s
from community.reviews.api.filters import FeedbackFilter, OwnReviewFilter, ReviewFilter
from community.reviews.models import Review
from config.api.schema import error_response
from core.exceptions import NotFound

ORDERING_FIELDS = ["created_at", "rating"]
CREATE_ERRORS = {
    404: error_response("No swap of the caller has this id (`swap_id`, `meeting_id`)."),
    409: error_response(
        "`swap_not_completed` (only a completed swap can be reviewed; `current_status` in the "
        "error) or `already_reviewed` (once per swap and direction)."
    ),
}
CREATED_REVIEW = PolymorphicProxySerializer(
    component_name="ReviewCreated",
    serializers=[s.ReviewSerializer, s.Seed003ReviewSerializer],
    resource_type_field_name=None,
)


# A path id no row can have (past a 64-bit column) is a 404 before any query: SQLite would
# overflow on it.
ID_MAX = 2**63 - 1


def _ids(*values: int | str) -> None:
    if any(int(value) > ID_MAX for value in values):
        raise NotFound()


def _member(request: Request) -> User:
    """The signed-in caller (the view's permissions let no anonymous caller reach a write)."""
    return cast(User, request.user)


class ReadOnlyOrAuthenticated(permissions.IsAuthenticatedOrReadOnly):
    """Anyone reads published reviews; members write."""

    # The schema documents 401/403 on every other method (config/api/schema.py).
    anonymous_methods = permissions.SAFE_METHODS


@extend_schema(tags=["reviews"])
class ReviewListCreateView(generics.ListAPIView):
    serializer_class = s.ReviewSerializer
    filterset_class = OwnReviewFilter
    ordering_fields = ORDERING_FIELDS
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular's schema pass
            return Review.objects.none()
        return selectors.review_list_own(user=_member(self.request))

    @extend_schema(
        summary="Reviews the caller wrote (held ones too) or received (published)",
        operation_id="reviews_mine",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Review the other party of a completed swap (once per swap)",
        description=(
            "Canonical body: `swap_id`, `rating` (1-5), `comment`, `tags`. Seed 003's body "
            "(`meeting_id`, `reviewee_id`, `rating`, `review_text`) is accepted too and answered "
            "in seed 003's shape (`meeting_id`, `review_text`). A review of a disputed swap is "
            "stored with `status: held` and published when the dispute is resolved."
        ),
        request=s.ReviewCreateInputSerializer,
        responses={201: CREATED_REVIEW, **CREATE_ERRORS},
        operation_id="reviews_create",
    )
    def post(self, request: Request) -> Response:
        data = s.ReviewCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_create(reviewer=_member(request), **data.service_kwargs())
        review = Review.objects.select_related("reviewer", "reviewee").get(pk=review.pk)
        output = s.Seed003ReviewSerializer if data.seed003 else s.ReviewSerializer
        return Response(output(review).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["reviews"])
class ReviewUserListView(generics.ListAPIView):
    serializer_class = s.ReviewSerializer
    filterset_class = ReviewFilter
    ordering_fields = ORDERING_FIELDS
    ordering = ["-created_at", "-id"]
    permission_classes = [permissions.AllowAny]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular's schema pass
            return Review.objects.none()
        user_id = self.kwargs["user_id"]
        _ids(user_id)
        # Reviews held by a dispute that has since been resolved go public now (beat also does).
        services.reviews_release(reviewee_id=user_id)
        return selectors.review_list_public(reviewee_id=user_id)

    @extend_schema(
        summary="A member's published reviews (public)",
        responses={200: s.ReviewSerializer(many=True), 404: error_response("No such member.")},
        auth=[],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["reviews"])
class ReviewDetailView(APIView):
    permission_classes = [ReadOnlyOrAuthenticated]

    def review(self, user_id: int, pk: int) -> Review:
        _ids(user_id, pk)
        return selectors.review_get(viewer=self.request.user, reviewee_id=user_id, review_id=pk)

    @extend_schema(
        summary="One review of a member (published, or the caller's own)",
        responses={200: s.ReviewSerializer},
    )
    def get(self, request: Request, user_id: int, pk: int) -> Response:
        return Response(s.ReviewSerializer(self.review(user_id, pk)).data)

    @extend_schema(
        summary="Edit one's own review (for REVIEW_EDIT_DAYS days after writing it)",
        request=s.ReviewUpdateInputSerializer,
        responses={
            200: s.ReviewSerializer,
            403: error_response("Not the author of the review."),
            409: error_response("`edit_window_closed`: the edit window has passed."),
        },
    )
    def patch(self, request: Request, user_id: int, pk: int) -> Response:
        review = self.review(user_id, pk)
        data = s.ReviewUpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.review_update(review=review, actor=_member(request), **data.service_kwargs())
        return Response(s.ReviewSerializer(self.review(user_id, pk)).data)


@extend_schema(tags=["reviews"])
class ReviewReplyView(APIView):
    @extend_schema(
        summary="Reply to a review of you (once)",
        request=s.ReviewReplyInputSerializer,
        responses={
            200: s.ReviewSerializer,
            403: error_response("Only the member who was reviewed can reply."),
            409: error_response("`already_replied`."),
        },
        operation_id="reviews_reply",
    )
    def post(self, request: Request, user_id: int, pk: int) -> Response:
        _ids(user_id, pk)
        review = selectors.review_get(viewer=request.user, reviewee_id=user_id, review_id=pk)
        data = s.ReviewReplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.review_reply(
            review=review, actor=_member(request), reply=data.validated_data["reply"]
        )
        review = selectors.review_get(viewer=request.user, reviewee_id=user_id, review_id=pk)
        return Response(s.ReviewSerializer(review).data)


# --- seed 004: feedback ------------------------------------------------------------------------


@extend_schema(tags=["feedback"])
class FeedbackListCreateView(generics.ListAPIView):
    serializer_class = s.FeedbackSerializer
    filterset_class = FeedbackFilter
    ordering_fields = ORDERING_FIELDS
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular's schema pass
            return Review.objects.none()
        return selectors.feedback_list(user=_member(self.request))

    def check_permissions(self, request: Request) -> None:
        super().check_permissions(request)
        # Seed 004: viewing feedback is for friends (experts: their own) and staff (all).
        if request.method == "GET" and not (
            request.user.has_perm("accounts.sell_paid_sessions")
            or selectors.reviews_staff(request.user)
        ):
            self.permission_denied(request)

    @extend_schema(
        summary="Feedback on the caller's sessions (experts) or on every session (staff)",
        description="Seed 004's view of reviews: `session_id` is the swap, `categories` the tags.",
        responses={200: s.FeedbackSerializer(many=True), 403: error_response("Not an expert.")},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Submit feedback on a completed session (seed 004's review)",
        request=s.FeedbackCreateInputSerializer,
        responses={
            201: OpenApiResponse(s.FeedbackSerializer, description="The review, seed 004's shape."),
            **CREATE_ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        data = s.FeedbackCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_create(reviewer=_member(request), **data.service_kwargs())
        review = Review.objects.select_related("reviewer", "reviewee").get(pk=review.pk)
        return Response(s.FeedbackSerializer(review).data, status=status.HTTP_201_CREATED)
