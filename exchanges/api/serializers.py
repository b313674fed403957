"""Input and output serializers of the exchanges API.

One swap, three vocabularies: ``SwapSerializer`` (canonical, swaps/), ``MeetingSerializer``
(seed 003: requester/expert, ``confirmed``) and ``SessionSerializer`` (seed 004: friend, type,
upcoming/completed/cancelled).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exchanges import state_machine
from exchanges.models import Swap, VideoCall, VideoCallParticipant
from marketplace.models import Category, Offer

User = get_user_model()
S = Swap.Status

MEETING_STATUS = {S.ACCEPTED: "confirmed"}
MEETING_STATUS_CHOICES = [
    "pending",
    "confirmed",
    "rejected",
    "cancelled",
    "completed",
    "disputed",
    "refunded",
]
SESSION_STATUS_CHOICES = ["upcoming", "completed", "cancelled", "disputed"]
PARTY_ROLES = ["requester", "responder"]
CALENDAR_SYNC_STATUSES = [
    "created",
    "updated",
    "deleted",
    "unchanged",
    "not_linked",
    "reauth_required",
    "error",
]


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


class PartySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="public_name")


class CategorySummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _caller(serializer: serializers.Serializer) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def _now(serializer: serializers.Serializer) -> Any:
    return serializer.context.setdefault("now", timezone.now())


class SwapSerializer(serializers.ModelSerializer):
    requester = PartySerializer(read_only=True)
    responder = PartySerializer(read_only=True)
    offer_id = serializers.IntegerField(read_only=True, allow_null=True)
    category = CategorySummarySerializer(read_only=True, allow_null=True)
    duration_minutes = serializers.IntegerField(read_only=True)
    proposed_by_id = serializers.IntegerField(read_only=True, allow_null=True)
    completion_requested_by_id = serializers.IntegerField(read_only=True, allow_null=True)
    auto_complete_at = serializers.SerializerMethodField()
    cancelled_by_id = serializers.IntegerField(read_only=True, allow_null=True)
    disputed_by_id = serializers.IntegerField(read_only=True, allow_null=True)
    resolution = serializers.ChoiceField(
        choices=Swap.Resolution.choices,
        allow_blank=True,
        read_only=True,
        help_text="How a moderator closed the dispute; empty otherwise.",
    )
    my_role = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()
    calendar_event_id = serializers.SerializerMethodField()

    class Meta:
        model = Swap
        fields = [
            "id",
            "kind",
            "status",
            "title",
            "description",
            "requester",
            "responder",
            "offer_id",
            "category",
            "points_amount",
            "session_type",
            "mode",
            "location",
            "scheduled_start",
            "scheduled_end",
            "duration_minutes",
            "notes",
            "proposed_start",
            "proposed_end",
            "proposed_by_id",
            "completion_requested_by_id",
            "completion_requested_at",
            "auto_complete_at",
            "cancelled_by_id",
            "cancellation_reason",
            "refunded_points",
            "paid_points",
            "disputed_by_id",
            "dispute_reason",
            "resolution",
            "resolution_note",
            "my_role",
            "allowed_actions",
            "calendar_event_id",
            "created_at",
            "updated_at",
            "accepted_at",
            "rejected_at",
            "cancelled_at",
            "completed_at",
            "disputed_at",
            "resolved_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_auto_complete_at(self, swap: Swap) -> Any:
        from django.conf import settings

        if swap.status != S.ACCEPTED or swap.completion_requested_at is None:
            return None
        moment = swap.completion_requested_at + timedelta(
            hours=settings.EXCHANGES_AUTO_COMPLETE_HOURS
        )
        return serializers.DateTimeField().to_representation(moment)

    @extend_schema_field(serializers.ChoiceField(choices=PARTY_ROLES, allow_null=True))
    def get_my_role(self, swap: Swap) -> str | None:
        user = _caller(self)
        return state_machine.role_of(swap, user) if user is not None else None

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=state_machine.ACTIONS))
    )
    def get_allowed_actions(self, swap: Swap) -> list[str]:
        user = _caller(self)
        if user is None:
            return []
        return state_machine.allowed_actions(swap=swap, user=user, now=_now(self))

    @extend_schema_field(OpenApiTypes.STR)
    def get_calendar_event_id(self, swap: Swap) -> str:
        user = _caller(self)
        if user is None:
            return ""
        if user.pk == swap.requester_id:
            return swap.requester_calendar_event_id
        if user.pk == swap.responder_id:
            return swap.responder_calendar_event_id
        return ""


class MeetingReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reviewer_id = serializers.IntegerField()
    reviewer_name = serializers.CharField()
    reviewee_id = serializers.IntegerField()
    reviewee_name = serializers.CharField()
    rating = serializers.IntegerField()
    review_text = serializers.CharField()
    created_at = serializers.DateTimeField()


class MeetingSerializer(serializers.ModelSerializer):
    """Seed 003's meeting: the expert is the responder and ``confirmed`` is accepted."""

    requester_id = serializers.IntegerField(read_only=True)
    requester_name = serializers.CharField(source="requester.public_name", read_only=True)
    expert_id = serializers.IntegerField(source="responder_id", read_only=True)
    expert_name = serializers.CharField(source="responder.public_name", read_only=True)
    status = serializers.SerializerMethodField()
    category_id = serializers.IntegerField(read_only=True, allow_null=True)
    category_name = serializers.SerializerMethodField()

    class Meta:
        model = Swap
        fields = [
            "id",
            "title",
            "description",
            "requester_id",
            "requester_name",
            "expert_id",
            "expert_name",
            "status",
            "category_id",
            "category_name",
            "kind",
            "points_amount",
            "session_type",
            "scheduled_start",
            "scheduled_end",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=MEETING_STATUS_CHOICES))
    def get_status(self, swap: Swap) -> str:
        return MEETING_STATUS.get(swap.status, swap.status)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_category_name(self, swap: Swap) -> str | None:
        return swap.category.name if swap.category is not None else None


class MeetingDetailSerializer(MeetingSerializer):
    reviews = serializers.SerializerMethodField()

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "reviews"]
        read_only_fields = fields

    @extend_schema_field(MeetingReviewSerializer(many=True))
    def get_reviews(self, swap: Swap) -> list[dict]:
        from exchanges.extensions import swap_reviews

        return swap_reviews([swap.pk]).get(swap.pk, [])


class MeetingStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    updated_at = serializers.DateTimeField()


SESSION_STATUS = {
    S.PENDING: "upcoming",
    S.ACCEPTED: "upcoming",
    S.COMPLETED: "completed",
    S.CANCELLED: "cancelled",
    S.REJECTED: "cancelled",
    S.REFUNDED: "cancelled",
    S.DISPUTED: "disputed",
}


class SessionSerializer(serializers.ModelSerializer):
    """Seed 004's session: ``friend`` is the other participant, ``price`` is in points."""

    friend = serializers.SerializerMethodField()
    type = serializers.ChoiceField(
        source="session_type", choices=Swap.SessionType.choices, read_only=True
    )
    status = serializers.SerializerMethodField()
    swap_status = serializers.ChoiceField(source="status", choices=S.choices, read_only=True)
    scheduled_at = serializers.DateTimeField(source="scheduled_start", read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True)
    price = serializers.SerializerMethodField()

    class Meta:
        model = Swap
        fields = [
            "id",
            "friend",
            "type",
            "status",
            "swap_status",
            "scheduled_at",
            "duration_minutes",
            "price",
            "notes",
            "title",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PartySerializer)
    def get_friend(self, swap: Swap) -> dict:
        user = _caller(self)
        other = swap.responder if user is None else swap.other_party(user)
        return {"id": other.pk, "name": other.public_name}

    @extend_schema_field(serializers.ChoiceField(choices=SESSION_STATUS_CHOICES))
    def get_status(self, swap: Swap) -> str:
        return SESSION_STATUS[swap.status]

    @extend_schema_field(OpenApiTypes.STR)
    def get_price(self, swap: Swap) -> str:
        return str(swap.points_amount)


class IceServerSerializer(serializers.Serializer):
    urls = serializers.ListField(child=serializers.CharField())
    username = serializers.CharField(required=False)
    credential = serializers.CharField(required=False)


class CallParticipantSerializer(serializers.ModelSerializer):
    user = PartySerializer(read_only=True)
    connected = serializers.SerializerMethodField()

    class Meta:
        model = VideoCallParticipant
        fields = ["user", "joined_at", "left_at", "connected"]
        read_only_fields = fields

    def get_connected(self, participant: VideoCallParticipant) -> bool:
        return participant.connections > 0


class VideoCallSerializer(serializers.ModelSerializer):
    swap_id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(source="swap.title", read_only=True)
    scheduled_start = serializers.DateTimeField(source="swap.scheduled_start", read_only=True)
    scheduled_end = serializers.DateTimeField(source="swap.scheduled_end", read_only=True)
    participants = CallParticipantSerializer(many=True, read_only=True)
    join_token = serializers.SerializerMethodField()
    token_expires_at = serializers.SerializerMethodField()
    ice_servers = serializers.SerializerMethodField()
    signalling_url = serializers.SerializerMethodField()

    class Meta:
        model = VideoCall
        fields = [
            "id",
            "swap_id",
            "title",
            "room",
            "status",
            "scheduled_start",
            "scheduled_end",
            "created_at",
            "started_at",
            "ended_at",
            "duration_seconds",
            "participants",
            "join_token",
            "token_expires_at",
            "ice_servers",
            "signalling_url",
        ]
        read_only_fields = fields

    def _mine(self, call: VideoCall) -> VideoCallParticipant | None:
        user = _caller(self)
        for participant in call.participants.all():
            if user is not None and participant.user_id == user.pk:
                return participant
        return None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_join_token(self, call: VideoCall) -> str | None:
        mine = self._mine(call)
        if mine is None or call.status == VideoCall.Status.ENDED:
            return None
        return mine.join_token

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_token_expires_at(self, call: VideoCall) -> Any:
        mine = self._mine(call)
        if mine is None or call.status == VideoCall.Status.ENDED:
            return None
        return serializers.DateTimeField().to_representation(mine.token_expires_at)

    @extend_schema_field(IceServerSerializer(many=True))
    def get_ice_servers(self, call: VideoCall) -> list[dict]:
        from exchanges.turn import ice_servers

        user = _caller(self)
        if user is None or call.status == VideoCall.Status.ENDED:
            return []
        return ice_servers(user_id=user.pk, now=_now(self))

    @extend_schema_field(OpenApiTypes.STR)
    def get_signalling_url(self, call: VideoCall) -> str:
        return f"/ws/calls/{call.pk}/"


class CalendarSyncResultSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=PARTY_ROLES)
    status = serializers.ChoiceField(choices=CALENDAR_SYNC_STATUSES)
    mine = serializers.BooleanField()
    event_id = serializers.CharField(allow_null=True)
    html_link = serializers.CharField(allow_null=True)


class CalendarSyncSerializer(serializers.Serializer):
    swap_id = serializers.IntegerField()
    results = CalendarSyncResultSerializer(many=True)
    ics_url = serializers.CharField()


class CalendarFeedSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="Subscribe to this URL in any calendar app.")
    token = serializers.CharField()


# --------------------------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------------------------


def _active_users():
    return User.objects.filter(is_active=True)


class SwapCreateInputSerializer(serializers.Serializer):
    responder_id = serializers.PrimaryKeyRelatedField(
        queryset=_active_users(), required=False, allow_null=True
    )
    offer_id = serializers.PrimaryKeyRelatedField(
        queryset=Offer.objects.all(), required=False, allow_null=True
    )
    kind = serializers.ChoiceField(choices=Swap.Kind.choices, required=False)
    points_amount = serializers.IntegerField(min_value=1, required=False)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    category_id = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True
    )
    session_type = serializers.ChoiceField(choices=Swap.SessionType.choices, required=False)
    mode = serializers.ChoiceField(choices=Swap.Mode.choices, required=False)
    location = serializers.CharField(max_length=255, required=False, allow_blank=True)
    scheduled_start = serializers.DateTimeField()
    scheduled_end = serializers.DateTimeField(required=False)
    duration_minutes = serializers.IntegerField(min_value=5, max_value=24 * 60, required=False)
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("responder_id") and not attrs.get("offer_id"):
            raise serializers.ValidationError(
                {"responder_id": [_("Give the responder or the offer.")]}
            )
        return attrs

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        start = data.pop("scheduled_start")
        end = data.pop("scheduled_end", None)
        minutes = data.pop("duration_minutes", None)
        if end is None and minutes:
            end = start + timedelta(minutes=minutes)
        kwargs = {
            "scheduled_start": start,
            "scheduled_end": end,
            "responder": data.pop("responder_id", None),
            "offer": data.pop("offer_id", None),
            "category": data.pop("category_id", None),
        }
        kwargs.update(data)
        return kwargs


class MeetingCreateInputSerializer(SwapCreateInputSerializer):
    """Seed 003's names: ``expert_id`` is the responder."""

    responder_id = None
    expert_id = serializers.PrimaryKeyRelatedField(
        queryset=_active_users(), required=False, allow_null=True
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("expert_id") and not attrs.get("offer_id"):
            raise serializers.ValidationError({"expert_id": [_("Give the expert or the offer.")]})
        attrs["responder_id"] = attrs.pop("expert_id", None)
        return attrs


class SessionCreateInputSerializer(serializers.Serializer):
    """Seed 004's booking: ``friend_id``, ``type``, ``scheduled_at``, ``duration_minutes``."""

    friend_id = serializers.PrimaryKeyRelatedField(
        queryset=_active_users(), required=False, allow_null=True
    )
    offer_id = serializers.PrimaryKeyRelatedField(
        queryset=Offer.objects.all(), required=False, allow_null=True
    )
    type = serializers.ChoiceField(choices=Swap.SessionType.choices, default="video")
    scheduled_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(min_value=5, max_value=24 * 60, required=False)
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=Swap.Kind.choices, required=False)
    points_amount = serializers.IntegerField(min_value=1, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("friend_id") and not attrs.get("offer_id"):
            raise serializers.ValidationError({"friend_id": [_("Give the friend or the offer.")]})
        return attrs

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        start = data.pop("scheduled_at")
        minutes = data.pop("duration_minutes", None)
        kwargs = {
            "scheduled_start": start,
            "scheduled_end": start + timedelta(minutes=minutes) if minutes else None,
            "responder": data.pop("friend_id", None),
            "offer": data.pop("offer_id", None),
            "session_type": data.pop("type"),
        }
        kwargs.update(data)
        return kwargs


STATUS_INPUT_CHOICES = [
    "pending",
    "accepted",
    "confirmed",
    "rejected",
    "cancelled",
    "completed",
    "disputed",
    "refunded",
]
MEETING_STATUS_INPUT_CHOICES = [
    "confirmed",
    "accepted",
    "rejected",
    "cancelled",
    "completed",
    "disputed",
]


class SwapUpdateInputSerializer(serializers.Serializer):
    """PUT/PATCH swaps/{id}/: notes, a new time (a proposal), a status (a move)."""

    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    status = serializers.ChoiceField(
        choices=STATUS_INPUT_CHOICES,
        required=False,
        help_text="A move in status form: accepted (or confirmed), rejected, cancelled, "
        "completed, disputed. An unchanged status is no move.",
    )
    scheduled_start = serializers.DateTimeField(
        required=False, help_text="A new time: proposes a reschedule to the other party."
    )
    scheduled_end = serializers.DateTimeField(required=False)
    proposed_start = serializers.DateTimeField(required=False)
    proposed_end = serializers.DateTimeField(required=False)
    reason = serializers.CharField(
        max_length=4000,
        required=False,
        allow_blank=True,
        help_text="Why (rejection, cancellation or dispute).",
    )
    dispute_reason = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class MeetingStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MEETING_STATUS_INPUT_CHOICES)
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class SessionUpdateInputSerializer(serializers.Serializer):
    scheduled_at = serializers.DateTimeField(
        required=False, help_text="A new time: proposes a reschedule to the other party."
    )
    duration_minutes = serializers.IntegerField(min_value=5, max_value=24 * 60, required=False)
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)

    def update_data(self, swap: Swap) -> dict[str, Any]:
        data = dict(self.validated_data)
        result: dict[str, Any] = {}
        if "notes" in data:
            result["notes"] = data["notes"]
        start = data.get("scheduled_at")
        minutes = data.get("duration_minutes")
        if start is not None or minutes is not None:
            start = start or swap.scheduled_start
            duration = timedelta(minutes=minutes) if minutes else swap.duration
            result["scheduled_start"] = start
            result["scheduled_end"] = start + duration
        return result


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class DisputeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000, help_text="What went wrong.")


class RescheduleInputSerializer(serializers.Serializer):
    scheduled_start = serializers.DateTimeField(help_text="The proposed new start (UTC).")
    scheduled_end = serializers.DateTimeField(
        required=False, help_text="The proposed end; by default the same duration as now."
    )
    duration_minutes = serializers.IntegerField(min_value=5, max_value=24 * 60, required=False)

    def to_internal_value(self, data: Any) -> Any:
        # Accept the proposal's own names too (proposed_start / start).
        if hasattr(data, "copy"):
            data = data.copy()
            for alias in ("proposed_start", "start"):
                if alias in data and "scheduled_start" not in data:
                    data["scheduled_start"] = data[alias]
            for alias in ("proposed_end", "end"):
                if alias in data and "scheduled_end" not in data:
                    data["scheduled_end"] = data[alias]
        return super().to_internal_value(data)

    def times(self) -> tuple[Any, Any]:
        start = self.validated_data["scheduled_start"]
        end = self.validated_data.get("scheduled_end")
        minutes = self.validated_data.get("duration_minutes")
        if end is None and minutes:
            end = start + timedelta(minutes=minutes)
        return start, end


class VideoCallCreateInputSerializer(serializers.Serializer):
    swap_id = serializers.IntegerField(help_text="An accepted swap of the caller.")
