"""Serializers of ``GET leaderboard/`` (seeds 000/001; docs/api.md)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rewards.leaderboard import METRICS, PERIODS


class LeaderboardQuerySerializer(serializers.Serializer):
    # The query string: a value outside the choices is a 400 naming the parameter.
    period = serializers.ChoiceField(choices=PERIODS, default="all")
    metric = serializers.ChoiceField(choices=METRICS, default="swaps")


class LeaderboardUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    public_name = serializers.CharField()
    avatar = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_avatar(self, user: Any) -> str | None:
        if not user.avatar:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(user.avatar.url) if request else user.avatar.url


@extend_schema_field(
    {
        "type": "number",
        "description": (
            "swaps, reviews, points: a whole number; rating: the average stars over the period "
            "with two decimals."
        ),
    }
)
class ScoreField(serializers.Field):
    def to_representation(self, value: Any) -> Any:
        return value


class LeaderboardEntrySerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="1-based; equal scores rank by member id.")
    user = LeaderboardUserSerializer()
    score = ScoreField()


class LeaderboardMeSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    score = ScoreField()


class LeaderboardSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Members ranked on this board.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = LeaderboardEntrySerializer(many=True)
    me = LeaderboardMeSerializer(
        allow_null=True,
        help_text="The caller's own rank and score, even off this page; null when the caller "
        "is anonymous or not ranked on this board.",
    )
    period = serializers.ChoiceField(choices=PERIODS)
    metric = serializers.ChoiceField(choices=METRICS)
