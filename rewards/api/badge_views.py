"""``achievements/`` (seeds 000 and 001, section G): badges with the caller's progress, and the
staff's award and revoke. docs/api.md, "Achievements".
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import filters, generics, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.schema import error_response
from core.exceptions import Forbidden, ValidationFailed
from rewards import badges
from rewards.api.badge_serializers import (
    AchievementActionSerializer,
    AchievementAwardSerializer,
    AchievementSerializer,
)
from rewards.models import BadgeAward, BadgeDefinition


class ReadAnyoneWriteSignedIn(permissions.BasePermission):
    """Anyone lists the badges; POST needs a signed-in caller (staff rights are checked after)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated)


def award_payload(award: BadgeAward, *, action: str) -> dict[str, Any]:
    return {
        "id": award.pk,
        "action": action,
        "user_id": award.user_id,
        "badge": {
            "id": award.badge_id,
            "slug": award.badge.slug,
            "name": award.badge.name,
            "icon": badges.badge_icon_url(award.badge.icon),
        },
        "tier": award.tier,
        "reward": badges.award_reward(award),
        "awarded_at": award.awarded_at,
        "awarded_by_id": award.awarded_by_id,
        "reason": award.reason,
        "revoked_at": award.revoked_at,
        "revoked_by_id": award.revoked_by_id,
        "revoke_reason": award.revoke_reason,
    }


def _badge_by_id_or_slug(value: str) -> BadgeDefinition:
    value = value.strip()
    query = Q(slug=value)
    if value.isascii() and value.isdigit() and len(value) < 19:
        query |= Q(pk=int(value))
    badge = BadgeDefinition.objects.filter(query).first()
    if badge is None:
        raise ValidationFailed(fields={"badge": [_("No such badge.")]})
    return badge


class AchievementListView(generics.ListAPIView):
    """Every active badge with its tiers; with the caller's progress when signed in."""

    permission_classes = [ReadAnyoneWriteSignedIn]
    serializer_class = AchievementSerializer
    filter_backends = [filters.SearchFilter, filters.OrderingFilter]
    search_fields = ["slug", "name_en", "name_ar", "description_en", "description_ar"]
    ordering_fields = ["sort_order", "created_at", "slug"]
    ordering = ["sort_order", "id"]

    def get_queryset(self):
        # Built per request: the badge names follow the request's language (modeltranslation).
        return badges.badge_list()

    @extend_schema(
        operation_id="achievements_list",
        summary="Badges with the caller's progress (seeds 000/001 GET achievements/)",
        description=(
            "Every active badge, in the gallery's order, with its tiers (bronze, silver, gold: "
            "threshold on the activity counter and points reward). A signed-in caller also gets "
            "their progress: the counter's `value`, the `earned_at` of each tier they hold, "
            "`earned_tier`, the `next_tier` and its `next_threshold`, and `percent` towards it. "
            "Anonymous callers get the same list with the progress fields null. Names and "
            "descriptions follow `Accept-Language`. `search` looks in the slug, names and "
            "descriptions; `ordering` by `sort_order` (the default), `created_at` or `slug`."
        ),
        tags=["achievements"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        user_id = request.user.pk if request.user.is_authenticated else None
        rows = [item.as_dict() for item in badges.badges_progress(badges=page, user_id=user_id)]
        return self.get_paginated_response(AchievementSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="achievements_award",
        summary="Award or revoke a badge (staff; seeds 000/001 POST achievements/)",
        description=(
            "Staff (moderators and administrators) award a badge tier to a member, or revoke "
            "one, with a reason; both are kept in the admin's audit log. An award pays the "
            "tier's points reward and notifies the member (`badge_earned`); a revocation takes "
            "the reward back when the member still holds the points. Members get a 403. "
            "`badge` is the badge's id or slug."
        ),
        request=AchievementActionSerializer,
        responses={
            201: OpenApiResponse(AchievementAwardSerializer, description="The new award."),
            200: OpenApiResponse(AchievementAwardSerializer, description="The revoked award."),
            409: error_response(
                "`badge_already_held`: the member holds that tier (or every tier); "
                "`badge_not_held`: nothing to revoke."
            ),
        },
        examples=[
            OpenApiExample(
                "Award",
                value={
                    "user_id": 42,
                    "badge": "teacher",
                    "tier": "silver",
                    "action": "award",
                    "reason": "Ran the spring workshop series.",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Revoke",
                value={
                    "user_id": 42,
                    "badge": "teacher",
                    "action": "revoke",
                    "reason": "Awarded by mistake.",
                },
                request_only=True,
            ),
        ],
        tags=["achievements"],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not badges.badge_can_manage(request.user):
            raise Forbidden(_("Only staff may award or revoke badges."))
        serializer = AchievementActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        member = get_user_model().objects.filter(pk=data["user_id"]).first()
        if member is None:
            raise ValidationFailed(fields={"user_id": [_("No such member.")]})
        badge = _badge_by_id_or_slug(data["badge"])
        if data["action"] == "award":
            award = badges.badge_award(
                user=member,
                badge=badge,
                tier=data.get("tier"),
                by=request.user,
                reason=data["reason"],
            )
            code = status.HTTP_201_CREATED
        else:
            live = BadgeAward.objects.filter(user=member, badge=badge, revoked_at__isnull=True)
            if data.get("tier"):
                live = live.filter(tier=data["tier"])
            held = sorted(live, key=lambda a: badges.tier_rank(a.tier))
            if not held:
                raise badges.BadgeNotHeld(_("This member does not hold this badge."))
            award = badges.badge_revoke(award=held[-1], by=request.user, reason=data["reason"])
            code = status.HTTP_200_OK
        award = BadgeAward.objects.select_related("badge").get(pk=award.pk)
        payload = award_payload(award, action=data["action"])
        return Response(AchievementAwardSerializer(payload).data, status=code)
