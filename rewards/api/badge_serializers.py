"""Serializers of ``achievements/`` (seeds 000 and 001: badges with the caller's progress, and the
staff's award and revoke). docs/api.md, "Achievements".
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api.fields import CleanCharField
from config.api.serializers import InputSerializer
from rewards.badges import REASON_MAX_LENGTH, TIERS

ACTIONS = ("award", "revoke")
TIER_HELP = _("bronze, silver or gold")


class AchievementTierSerializer(serializers.Serializer):
    tier = serializers.CharField(help_text=TIER_HELP)
    tier_display = serializers.CharField()
    threshold = serializers.IntegerField(
        allow_null=True, help_text=_("The counter value that earns it; null: staff award only.")
    )
    reward = serializers.IntegerField(help_text=_("Points paid when it is earned."))
    earned_at = serializers.DateTimeField(
        allow_null=True, help_text=_("When the caller earned it; null when not (or anonymous).")
    )


class AchievementSerializer(serializers.Serializer):
    """One badge with its tiers and, for a signed-in caller, their progress."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    icon = serializers.CharField(help_text=_("URL of the badge's SVG icon."))
    counter = serializers.CharField(
        allow_blank=True, help_text=_("The activity counter it follows; empty: staff award only.")
    )
    counter_display = serializers.CharField(allow_blank=True)
    criteria = serializers.CharField(help_text=_("What earns it, in words (seed 001's criteria)."))
    tiers = AchievementTierSerializer(many=True)
    value = serializers.IntegerField(
        allow_null=True, help_text=_("The caller's current counter value; null when anonymous.")
    )
    earned = serializers.BooleanField(
        allow_null=True, help_text=_("Whether the caller holds any tier; null when anonymous.")
    )
    earned_tier = serializers.CharField(
        allow_null=True, help_text=_("The highest tier the caller holds, or null.")
    )
    next_tier = serializers.CharField(allow_null=True, help_text=_("The next tier to earn."))
    next_threshold = serializers.IntegerField(
        allow_null=True, help_text=_("The counter value the next tier needs.")
    )
    percent = serializers.IntegerField(
        allow_null=True,
        help_text=_("Progress towards the next tier, 0-100 (100 when every tier is held)."),
    )


class AchievementActionSerializer(InputSerializer):
    """Staff: award or revoke a badge (seeds 000/001 ``POST achievements/``)."""

    user_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    badge = serializers.CharField(max_length=60, help_text=_("The badge's id or slug."))
    tier = serializers.ChoiceField(
        choices=list(TIERS),
        required=False,
        allow_null=True,
        help_text=_(
            "Award: defaults to the lowest tier the member does not hold. Revoke: defaults to "
            "the highest tier they hold."
        ),
    )
    action = serializers.ChoiceField(choices=list(ACTIONS), default="award")
    reason = CleanCharField(max_length=REASON_MAX_LENGTH)


class AchievementBadgeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    icon = serializers.CharField()


class AchievementAwardSerializer(serializers.Serializer):
    """One award of a badge tier to a member (live or revoked)."""

    id = serializers.IntegerField()
    action = serializers.CharField(help_text=_("award or revoke: what this request did."))
    user_id = serializers.IntegerField()
    badge = AchievementBadgeSerializer()
    tier = serializers.CharField(help_text=TIER_HELP)
    reward = serializers.IntegerField(help_text=_("Points the tier pays."))
    awarded_at = serializers.DateTimeField()
    awarded_by_id = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoked_by_id = serializers.IntegerField(allow_null=True)
    revoke_reason = serializers.CharField(allow_blank=True)
