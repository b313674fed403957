"""Thin views of the marketplace API: validate, call one service or selector, serialize."""

from __future__ import annotations

import math
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from core.exceptions import Forbidden, NotFound, ValidationFailed
from marketplace import cache as offers_cache
from marketplace import selectors, services
from marketplace.api.filters import (
    AvailabilityFilterSet,
    MatchFilterSet,
    OfferFilterSet,
    SkillFilterSet,
    UserSkillFilterSet,
    offer_list_query,
)
from marketplace.api.permissions import ReadOnlyOrAuthenticated
from marketplace.api.serializers import (
    AvailabilityExceptionSerializer,
    AvailabilitySlotSerializer,
    CategorySerializer,
    CategoryTreeRepresentation,
    ListingInputSerializer,
    ListingSerializer,
    MatchCreateSerializer,
    MatchSerializer,
    OfferImageSerializer,
    OfferImagesReorderSerializer,
    OfferImagesUploadSerializer,
    OfferInputSerializer,
    OfferModerationSerializer,
    OfferRowsRepresentation,
    OfferSerializer,
    SkillSerializer,
    UserSkillInputSerializer,
    UserSkillSerializer,
    UserSkillUpdateSerializer,
)
from marketplace.models import (
    AvailabilityException,
    AvailabilitySlot,
    Match,
    Offer,
    OfferImage,
    OfferStatus,
    Skill,
    SkillStatus,
    UserSkill,
)

MODERATE_OFFER = "marketplace.moderate_offer"


def _viewer(request: Request) -> Any:
    return request.user if request.user and request.user.is_authenticated else None


# --- catalogue ------------------------------------------------------------------------------------


# List and retrieve as DRF does, with query filters applied to lists only: a stray ``?status=``
# on a detail URL must not turn an existing object into a 404. (A comment, not a docstring: the
# schema would show a docstring as the description of every viewset without its own.)
class ListRetrieveViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return super().filter_queryset(queryset) if self.action == "list" else queryset


class CategoryListView(APIView):
    """The category tree (or a flat list) in the request's language."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "flat", OpenApiTypes.BOOL, description="A flat list instead of the tree."
            )
        ],
        responses=CategorySerializer(many=True),
        description="Not paginated: the whole tree (top-level categories with nested `children`)"
        " or, with `flat=true`, every category with its `parent`.",
    )
    def get(self, request: Request) -> Response:
        flat = request.query_params.get("flat", "").lower() in {"1", "true", "yes"}
        categories = selectors.category_list() if flat else selectors.category_tree()
        return Response(CategoryTreeRepresentation({}).represent(categories))


@extend_schema_view(
    list=extend_schema(description="The skill catalogue; `search` for autocomplete."),
)
class SkillViewSet(ListRetrieveViewSet):
    permission_classes = [permissions.AllowAny]
    serializer_class = SkillSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = SkillFilterSet
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet:
        return (
            Skill.objects.filter(is_active=True, status=SkillStatus.APPROVED)
            .select_related("category")
            .order_by("id")
        )


# --- user skills ----------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(request=UserSkillInputSerializer, responses={201: UserSkillSerializer}),
    partial_update=extend_schema(request=UserSkillUpdateSerializer, responses=UserSkillSerializer),
)
class UserSkillViewSet(ListRetrieveViewSet):
    """Skills members offer or want (seed 003). Yours by default; `?user=` reads another's."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = UserSkillSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = UserSkillFilterSet
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return UserSkill.objects.none()
        viewer_id = self.request.user.pk
        if self.action == "retrieve":
            # Skills are part of the public profile; writes see only the caller's own rows.
            return selectors.user_skill_visible(viewer_id=viewer_id)
        user_id = viewer_id
        requested = self.request.query_params.get("user", "")
        if self.action == "list" and requested.isdigit():
            user_id = int(requested)
        return selectors.user_skill_list(user_id=user_id, viewer_id=viewer_id).order_by("id")

    def create(self, request: Request) -> Response:
        serializer = UserSkillInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        skill = data.get("skill") or services.skill_get_or_suggest(
            name=data["skill_name"], user=request.user, category=data.get("category")
        )
        user_skill = services.user_skill_create(
            user=request.user,
            skill=skill,
            direction=data["direction"],
            proficiency_level=data["proficiency_level"],
            years_of_experience=data["years_of_experience"],
        )
        return Response(
            self.get_serializer(
                selectors.user_skill_list(user_id=request.user.pk, viewer_id=request.user.pk).get(
                    pk=user_skill.pk
                )
            ).data,
            status=status.HTTP_201_CREATED,
        )

    def partial_update(self, request: Request, pk: str) -> Response:
        user_skill = self.get_object()
        serializer = UserSkillUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_skill = services.user_skill_update(user_skill=user_skill, **serializer.validated_data)
        return Response(self.get_serializer(user_skill).data)

    def destroy(self, request: Request, pk: str) -> Response:
        services.user_skill_delete(user_skill=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- offers ---------------------------------------------------------------------------------------

OFFER_OWNER_ACTIONS = {
    "update",
    "partial_update",
    "destroy",
    "images_add",
    "image_delete",
    "images_reorder",
}


@extend_schema_view(
    create=extend_schema(request=OfferInputSerializer, responses={201: OfferSerializer}),
    update=extend_schema(request=OfferInputSerializer, responses=OfferSerializer),
    partial_update=extend_schema(request=OfferInputSerializer, responses=OfferSerializer),
    destroy=extend_schema(
        description="Soft remove: the offer leaves every listing; swaps keep referring to it."
    ),
)
class OfferViewSet(ListRetrieveViewSet):
    """Offers (also served as `gigs/`). Anyone reads active offers; owners edit their own."""

    permission_classes = [ReadOnlyOrAuthenticated]
    serializer_class = OfferSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = OfferFilterSet
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet:
        viewer = _viewer(self.request)
        queryset = selectors.offer_queryset(viewer=viewer)
        if self.action in OFFER_OWNER_ACTIONS:
            # Another member's offer is invisible to writes: 404, not 403.
            queryset = queryset.filter(owner_id=viewer.pk if viewer else None)
        return queryset

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Rows as dicts and related rows in two queries, formatted by OfferSerializer's own
        # fields: the same bytes as the generic list at a fraction of the CPU
        # (docs/benchmarks.md, "Reads and serving").
        query = offer_list_query(request.query_params, request.user)
        rows = selectors.offer_list_rows(query) if query is not None else None
        if query is None or rows is None:
            return self._list_page(selectors.offer_rows(self.filter_queryset(self.get_queryset())))
        # The common requests: SQL compiled once per shape, no FilterSet, no permission check
        # (the default status lists the same rows for everybody but the viewer's own).
        if query.viewer_id is not None or not offers_cache.api_cache_seconds():
            return self._list_page(rows)
        # Anonymous: the answer is kept under the offers version until a write bumps it or the
        # first of its offers expires (marketplace/cache.py).
        key, version, data = offers_cache.api_list_get(
            f"{get_language()}|{timezone.get_current_timezone_name()}|"
            f"{request.build_absolute_uri()}"
        )
        if data is not None:
            return Response(data)
        response = self._list_page(rows)
        changes_at = rows.changes_at.timestamp() if rows.changes_at else math.inf
        offers_cache.api_list_store(key, version, changes_at, response.data)
        return response

    def _list_page(self, rows: Any) -> Response:
        page = self.paginate_queryset(rows)
        images, skills = selectors.offer_rows_related([row["id"] for row in page])
        data = OfferRowsRepresentation(self.get_serializer_context()).represent(
            page, images, skills
        )
        return self.get_paginated_response(data)

    def _detail(self, offer_id: int, *, code: int = status.HTTP_200_OK) -> Response:
        offer = selectors.offer_get(viewer=_viewer(self.request), offer_id=offer_id)
        return Response(self.get_serializer(offer).data, status=code)

    def create(self, request: Request) -> Response:
        serializer = OfferInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        offer = services.offer_create(owner=request.user, **serializer.validated_data)
        return self._detail(offer.pk, code=status.HTTP_201_CREATED)

    def _change(self, request: Request, *, partial: bool) -> Response:
        offer = self.get_object()
        serializer = OfferInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        services.offer_update(offer=offer, **serializer.validated_data)
        return self._detail(offer.pk)

    def update(self, request: Request, pk: str) -> Response:
        return self._change(request, partial=False)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self._change(request, partial=True)

    def destroy(self, request: Request, pk: str) -> Response:
        services.offer_remove(offer=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=OfferImagesUploadSerializer, responses={201: OfferImageSerializer(many=True)}
    )
    @action(detail=True, methods=["post"], url_path="images")
    def images_add(self, request: Request, pk: str) -> Response:
        """Add pictures (multipart `images`, several allowed); they go after the existing ones."""
        offer = self.get_object()
        files = request.FILES.getlist("images")
        serializer = OfferImagesUploadSerializer(data={"images": files})
        serializer.is_valid(raise_exception=True)
        images = services.offer_images_add(offer=offer, files=serializer.validated_data["images"])
        return Response(
            OfferImageSerializer(images, many=True, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"images/(?P<image_id>[0-9]+)")
    def image_delete(self, request: Request, pk: str, image_id: str) -> Response:
        offer = self.get_object()
        image = OfferImage.objects.filter(offer=offer, pk=int(image_id)).first()
        if image is None:
            raise NotFound()
        services.offer_image_delete(image=image)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=OfferImagesReorderSerializer, responses=OfferImageSerializer(many=True))
    @action(detail=True, methods=["post"], url_path="images/reorder")
    def images_reorder(self, request: Request, pk: str) -> Response:
        offer = self.get_object()
        serializer = OfferImagesReorderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        images = services.offer_images_reorder(
            offer=offer, order=serializer.validated_data["order"]
        )
        return Response(
            OfferImageSerializer(images, many=True, context=self.get_serializer_context()).data
        )

    def _moderated(self) -> Offer:
        offer = self.get_object()
        if not self.request.user.has_perm(MODERATE_OFFER):
            raise Forbidden()
        return offer

    @extend_schema(request=OfferModerationSerializer, responses=OfferSerializer)
    @action(detail=True, methods=["post"], url_path="remove")
    def moderate_remove(self, request: Request, pk: str) -> Response:
        """Moderators: remove the offer with a reason its owner is told."""
        offer = self._moderated()
        serializer = OfferModerationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.offer_moderate_remove(
            offer=offer, moderator=request.user, reason=serializer.validated_data["reason"]
        )
        return self._detail(offer.pk)

    @extend_schema(request=None, responses=OfferSerializer)
    @action(detail=True, methods=["post"], url_path="approve")
    def moderate_approve(self, request: Request, pk: str) -> Response:
        """Moderators: mark the offer reviewed (it leaves the moderation queue)."""
        offer = self._moderated()
        services.offer_approve(offer=offer, moderator=request.user)
        return self._detail(offer.pk)


# --- seed 002's "skills": the member's own listings -----------------------------------------------


@extend_schema_view(
    list=extend_schema(description="Seed 002: your own listings (offers), any status but removed."),
    retrieve=extend_schema(description="Seed 002: one of your listings."),
    create=extend_schema(
        request=ListingInputSerializer,
        responses={201: ListingSerializer},
        description="Seed 002: publish a listing (an offer; see `offers/`). Without `category` "
        "it takes the first offered catalogue skill's; without `tags` the title names the skill.",
    ),
    update=extend_schema(request=ListingInputSerializer, responses=ListingSerializer),
    partial_update=extend_schema(request=ListingInputSerializer, responses=ListingSerializer),
    destroy=extend_schema(description="Soft remove, as `DELETE offers/{id}/`."),
)
class ListingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, GenericViewSet
):
    """Seed 002's `skills/`: the member's own listings, the same offers as `offers/`."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ListingSerializer
    lookup_value_regex = "[0-9]+"
    filter_backends: list = []

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Offer.objects.none()
        return (
            selectors.offer_queryset(viewer=self.request.user)
            .filter(owner_id=self.request.user.pk)
            .exclude(status=OfferStatus.REMOVED)
            .order_by("-created_at", "-id")
        )

    def _detail(self, offer_id: int, *, code: int = status.HTTP_200_OK) -> Response:
        offer = self.get_queryset().get(pk=offer_id)
        return Response(self.get_serializer(offer).data, status=code)

    def create(self, request: Request) -> Response:
        serializer = ListingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        offer = services.offer_create(owner=request.user, **serializer.offer_values(creating=True))
        return self._detail(offer.pk, code=status.HTTP_201_CREATED)

    def _change(self, request: Request, *, partial: bool) -> Response:
        offer = self.get_object()
        serializer = ListingInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        services.offer_update(offer=offer, **serializer.offer_values(creating=False))
        return self._detail(offer.pk)

    def update(self, request: Request, pk: str) -> Response:
        return self._change(request, partial=False)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self._change(request, partial=True)

    def destroy(self, request: Request, pk: str) -> Response:
        services.offer_remove(offer=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- availability ---------------------------------------------------------------------------------


class AvailabilityViewSet(ListRetrieveViewSet):
    """Weekly slots in the owner's time zone (seed 003). Yours by default; `?user=` reads
    another member's (to pick a time for a swap)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = AvailabilitySlotSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = AvailabilityFilterSet
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return AvailabilitySlot.objects.none()
        user_id = self.request.user.pk
        requested = self.request.query_params.get("user", "")
        if self.action == "list" and requested.isdigit():
            user_id = int(requested)
        return selectors.availability_slot_list(user_id=user_id)

    @extend_schema(responses={201: AvailabilitySlotSerializer})
    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        slot = services.availability_slot_create(user=request.user, **serializer.validated_data)
        return Response(self.get_serializer(slot).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        slot = self.get_object()
        serializer = self.get_serializer(slot, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        slot = services.availability_slot_update(slot=slot, **serializer.validated_data)
        return Response(self.get_serializer(slot).data)

    def destroy(self, request: Request, pk: str) -> Response:
        services.availability_slot_delete(slot=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class AvailabilityExceptionViewSet(ListRetrieveViewSet):
    """Your dated unavailability (holidays, appointments); private to you."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = AvailabilityExceptionSerializer
    lookup_value_regex = "[0-9]+"
    filter_backends: list = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return AvailabilityException.objects.none()
        return selectors.availability_exception_list(user_id=self.request.user.pk)

    @extend_schema(responses={201: AvailabilityExceptionSerializer})
    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        exception = services.availability_exception_create(
            user=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(exception).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        exception = self.get_object()
        serializer = self.get_serializer(exception, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        exception = services.availability_exception_update(
            exception=exception, **serializer.validated_data
        )
        return Response(self.get_serializer(exception).data)

    def destroy(self, request: Request, pk: str) -> Response:
        services.availability_exception_delete(exception=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- matches --------------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request=MatchCreateSerializer,
        responses={201: MatchSerializer},
        description="Staff (`marketplace.add_match`): match two members by hand.",
    ),
    destroy=extend_schema(description="Staff (`marketplace.delete_match`)."),
)
class MatchViewSet(ListRetrieveViewSet):
    """Reciprocal matches with a compatibility score and the reasons for it (seed 004)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = MatchSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = MatchFilterSet
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Match.objects.none()
        user = self.request.user
        queryset = selectors.match_queryset(viewer=user)
        own_only = self.action in {"accept", "decline"} or (
            # Staff who may see every match still get their own list unless they ask for a member.
            self.action == "list" and not self.request.query_params.get("user")
        )
        if own_only:
            queryset = queryset.filter(Q(user_a=user) | Q(user_b=user))
        return queryset

    def create(self, request: Request) -> Response:
        if not request.user.has_perm("marketplace.add_match"):
            raise Forbidden()
        serializer = MatchCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        users = get_user_model().objects.in_bulk(
            [serializer.validated_data["user_a"], serializer.validated_data["user_b"]]
        )
        missing = {
            name: [_("No such member.")]
            for name in ("user_a", "user_b")
            if serializer.validated_data[name] not in users
        }
        if missing:
            raise ValidationFailed(fields=missing)
        match = services.match_create(
            created_by=request.user,
            user_a=users[serializer.validated_data["user_a"]],
            user_b=users[serializer.validated_data["user_b"]],
        )
        match = (
            self.get_queryset().model.objects.select_related("user_a", "user_b").get(pk=match.pk)
        )
        return Response(self.get_serializer(match).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, pk: str) -> Response:
        if not request.user.has_perm("marketplace.delete_match"):
            raise Forbidden()
        services.match_delete(match=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _respond(self, request: Request, *, accept: bool) -> Response:
        match = services.match_respond(match=self.get_object(), user=request.user, accept=accept)
        match = self.get_queryset().get(pk=match.pk)
        return Response(self.get_serializer(match).data)

    @extend_schema(request=None, responses=MatchSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        return self._respond(request, accept=True)

    @extend_schema(request=None, responses=MatchSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        return self._respond(request, accept=False)
