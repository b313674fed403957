"""Input and output serializers of the exchanges API.

One swap, three vocabularies: ``SwapSerializer`` (canonical, swaps/), ``MeetingSerializer``
(seed 003: requester/expert, ``confirmed``) and ``SessionSerializer`` (seed 004: friend, type,
upcoming/completed/cancelled).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.selectors import active_member_ref
from config.api.fields import BoundedDateTimeField, CleanCharField
from config.api.serializers import InputSerializer
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


def _allowed_actions(serializer: serializers.Serializer, swap: Swap) -> list[str]:
    """The moves the caller may make on ``swap`` now (none without a caller)."""
    user = _caller(serializer)
    if user is None:
        return []
    return state_machine.allowed_actions(swap=swap, user=user, now=_now(serializer))


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
    requestor = serializers.IntegerField(
        source="requester_id", read_only=True, help_text="Seed 000: the requester's id."
    )
    scheduled_time = serializers.DateTimeField(
        source="scheduled_start", read_only=True, help_text="Seed 000: alias of scheduled_start."
    )

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
            "requestor",
            "scheduled_time",
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
        return _allowed_actions(self, swap)

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
# Input: every serializer refuses unknown fields, cleans free text and bounds its dates
# (config.api.serializers, docs/api.md "Input").
# --------------------------------------------------------------------------------------------


def _active_users():
    return User.objects.filter(is_active=True)


def _minutes(value: int | None) -> timedelta | None:
    return timedelta(minutes=value) if value else None


class _SessionRequestInput(InputSerializer):
    """What every way of requesting a session shares (swaps/, meetings/)."""

    offer_id = serializers.PrimaryKeyRelatedField(
        queryset=Offer.objects.all(), required=False, allow_null=True
    )
    kind = serializers.ChoiceField(choices=Swap.Kind.choices, required=False)
    points_amount = serializers.IntegerField(min_value=1, required=False)
    title = CleanCharField(max_length=200, required=False, allow_blank=True)
    description = CleanCharField(max_length=4000, required=False, allow_blank=True)
    category_id = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True
    )
    session_type = serializers.ChoiceField(choices=Swap.SessionType.choices, required=False)
    mode = serializers.ChoiceField(choices=Swap.Mode.choices, required=False)
    location = CleanCharField(max_length=255, required=False, allow_blank=True)
    scheduled_start = BoundedDateTimeField()
    scheduled_end = BoundedDateTimeField(required=False)
    duration_minutes = serializers.IntegerField(min_value=5, max_value=24 * 60, required=False)
    notes = CleanCharField(max_length=4000, required=False, allow_blank=True)

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        start = data.pop("scheduled_start")
        end = data.pop("scheduled_end", None)
        minutes = _minutes(data.pop("duration_minutes", None))
        if end is None and minutes:
            end = start + minutes
        kwargs = {
            "scheduled_start": start,
            "scheduled_end": end,
            "responder": data.pop("responder_id", None),
            "offer": data.pop("offer_id", None),
            "category": data.pop("category_id", None),
        }
        kwargs.update(data)
        return kwargs


class SwapCreateInputSerializer(_SessionRequestInput):
    """``POST swaps/``; also seed 000's SwapRequest names (``requestor``, ``responder``,
    ``scheduled_time``), docs/api.md "Seed aliases"."""

    responder_id = serializers.PrimaryKeyRelatedField(
        queryset=_active_users(), required=False, allow_null=True
    )
    scheduled_start = BoundedDateTimeField(
        required=False, help_text="The start (UTC). Required unless `scheduled_time` is given."
    )
    requestor = serializers.IntegerField(
        required=False,
        help_text="Seed 000: the requesting member; if given it must be the caller.",
    )
    responder = serializers.PrimaryKeyRelatedField(
        queryset=_active_users(),
        required=False,
        help_text="Seed 000: alias of `responder_id`.",
    )
    scheduled_time = BoundedDateTimeField(
        required=False,
        help_text="Seed 000: alias of `scheduled_start`; the session lasts "
        "`duration_minutes` or the default session length.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        request = self.context.get("request")
        requestor = attrs.pop("requestor", None)
        if requestor is not None and (request is None or requestor != request.user.pk):
            raise serializers.ValidationError(
                {"requestor": [_("You can only request a session as yourself.")]}
            )
        _merge_alias(attrs, "responder", "responder_id", compare=lambda user: user.pk)
        _merge_alias(attrs, "scheduled_time", "scheduled_start")
        if attrs.get("scheduled_start") is None:
            raise serializers.ValidationError(
                {"scheduled_start": [serializers.Field.default_error_messages["required"]]}
            )
        if not attrs.get("responder_id") and not attrs.get("offer_id"):
            raise serializers.ValidationError(
                {"responder_id": [_("Give the responder or the offer.")]}
            )
        return attrs


def _merge_alias(
    attrs: dict[str, Any], alias: str, name: str, *, compare: Any = lambda value: value
) -> None:
    """Move ``attrs[alias]`` to ``attrs[name]``; a 400 on ``alias`` when both differ."""
    if alias not in attrs:
        return
    value = attrs.pop(alias)
    current = attrs.get(name)
    if current is not None and compare(current) != compare(value):
        raise serializers.ValidationError(
            {alias: [_("Give %(name)s or %(alias)s, not both.") % {"name": name, "alias": alias}]}
        )
    attrs[name] = value


class MeetingCreateInputSerializer(_SessionRequestInput):
    """Seed 003's names: ``expert_id`` is the responder."""

    expert_id = serializers.PrimaryKeyRelatedField(
        queryset=_active_users(), required=False, allow_null=True
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("expert_id") and not attrs.get("offer_id"):
            raise serializers.ValidationError({"expert_id": [_("Give the expert or the offer.")]})
        attrs["responder_id"] = attrs.pop("expert_id", None)
        return attrs


class SessionCreateInputSerializer(InputSerializer):
    """Seed 004's booking: ``friend_id``, ``type``, ``scheduled_at``, ``duration_minutes``."""

    friend_id = serializers.PrimaryKeyRelatedField(
        queryset=_active_users(), required=False, allow_null=True
    )
    offer_id = serializers.PrimaryKeyRelatedField(
        queryset=Offer.objects.all(), required=False, allow_null=True
    )
    type = serializers.ChoiceField(choices=Swap.SessionType.choices, default="video")
    scheduled_at = BoundedDateTimeField()
    duration_minutes = serializers.IntegerField(min_value=5, max_value=24 * 60, required=False)
    notes = CleanCharField(max_length=4000, required=False, allow_blank=True)
    title = CleanCharField(max_length=200, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=Swap.Kind.choices, required=False)
    points_amount = serializers.IntegerField(min_value=1, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("friend_id") and not attrs.get("offer_id"):
            raise serializers.ValidationError({"friend_id": [_("Give the friend or the offer.")]})
        return attrs

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        start = data.pop("scheduled_at")
        minutes = _minutes(data.pop("duration_minutes", None))
        kwargs = {
            "scheduled_start": start,
            "scheduled_end": start + minutes if minutes else None,
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


class SwapUpdateInputSerializer(InputSerializer):
    """PUT/PATCH swaps/{id}/: notes, a new time (a proposal), a status (a move)."""

    notes = CleanCharField(max_length=4000, required=False, allow_blank=True)
    status = serializers.ChoiceField(
        choices=STATUS_INPUT_CHOICES,
        required=False,
        help_text="A move in status form: accepted (or confirmed), rejected, cancelled, "
        "completed, disputed. An unchanged status is no move.",
    )
    scheduled_start = BoundedDateTimeField(
        required=False, help_text="A new time: proposes a reschedule to the other party."
    )
    scheduled_end = BoundedDateTimeField(required=False)
    proposed_start = BoundedDateTimeField(required=False)
    proposed_end = BoundedDateTimeField(required=False)
    scheduled_time = BoundedDateTimeField(
        required=False, help_text="Seed 000: alias of `scheduled_start`."
    )
    reason = CleanCharField(
        max_length=4000,
        required=False,
        allow_blank=True,
        help_text="Why (rejection, cancellation or dispute).",
    )
    dispute_reason = CleanCharField(max_length=4000, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _merge_alias(attrs, "scheduled_time", "scheduled_start")
        return attrs


class MeetingStatusInputSerializer(InputSerializer):
    status = serializers.ChoiceField(choices=MEETING_STATUS_INPUT_CHOICES)
    reason = CleanCharField(max_length=4000, required=False, allow_blank=True)


class SessionUpdateInputSerializer(InputSerializer):
    scheduled_at = BoundedDateTimeField(
        required=False, help_text="A new time: proposes a reschedule to the other party."
    )
    duration_minutes = serializers.IntegerField(min_value=5, max_value=24 * 60, required=False)
    notes = CleanCharField(max_length=4000, required=False, allow_blank=True)

    def update_data(self, swap: Swap) -> dict[str, Any]:
        data = dict(self.validated_data)
        result: dict[str, Any] = {}
        if "notes" in data:
            result["notes"] = data["notes"]
        start = data.get("scheduled_at")
        minutes = data.get("duration_minutes")
        if start is not None or minutes is not None:
            start = start or swap.scheduled_start
            duration = _minutes(minutes) or swap.duration
            result["scheduled_start"] = start
            result["scheduled_end"] = start + duration
        return result


class ReasonInputSerializer(InputSerializer):
    reason = CleanCharField(max_length=2000, required=False, allow_blank=True)


class DisputeInputSerializer(InputSerializer):
    reason = CleanCharField(max_length=4000, help_text="What went wrong.")


class RescheduleInputSerializer(InputSerializer):
    scheduled_start = BoundedDateTimeField(
        required=False,
        help_text="The proposed new start (UTC); also accepted as `proposed_start` or `start`.",
    )
    scheduled_end = BoundedDateTimeField(
        required=False,
        help_text="The proposed end (also `proposed_end` or `end`); by default the same "
        "duration as now.",
    )
    proposed_start = BoundedDateTimeField(required=False, help_text="Alias of scheduled_start.")
    start = BoundedDateTimeField(required=False, help_text="Alias of scheduled_start.")
    proposed_end = BoundedDateTimeField(required=False, help_text="Alias of scheduled_end.")
    end = BoundedDateTimeField(required=False, help_text="Alias of scheduled_end.")
    duration_minutes = serializers.IntegerField(min_value=5, max_value=24 * 60, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # The proposal's own names are aliases; the canonical name wins when both are sent.
        for alias in ("proposed_start", "start"):
            value = attrs.pop(alias, None)
            if value is not None and attrs.get("scheduled_start") is None:
                attrs["scheduled_start"] = value
        for alias in ("proposed_end", "end"):
            value = attrs.pop(alias, None)
            if value is not None and attrs.get("scheduled_end") is None:
                attrs["scheduled_end"] = value
        if attrs.get("scheduled_start") is None:
            raise serializers.ValidationError(
                {"scheduled_start": [serializers.Field.default_error_messages["required"]]}
            )
        return attrs

    def times(self) -> tuple[Any, Any]:
        start = self.validated_data["scheduled_start"]
        end = self.validated_data.get("scheduled_end")
        minutes = _minutes(self.validated_data.get("duration_minutes"))
        if end is None and minutes:
            end = start + minutes
        return start, end


class VideoCallCreateInputSerializer(InputSerializer):
    swap_id = serializers.IntegerField(help_text="An accepted swap of the caller.")


# --------------------------------------------------------------------------------------------
# Points for a swap (POST points/transfer/, seed 003's credits/transfer/)
# --------------------------------------------------------------------------------------------


class TransferInputSerializer(InputSerializer):
    """To a member (``to_user_id``, alias ``receiver_id``) and/or for a swap (seed 003's
    ``meeting_id``, alias ``swap_id``).

    For a swap the transfer is a tip recorded with the reference ``swap:<id>``, paid to the other
    party of the swap (``to_user_id`` may be left out); the swap's own price goes through escrow
    (hold on accept, release on completion).
    """

    to_user_id = serializers.IntegerField(required=False, min_value=1)
    receiver_id = serializers.IntegerField(
        required=False, min_value=1, help_text=_("Alias of to_user_id.")
    )
    meeting_id = serializers.IntegerField(
        required=False, min_value=1, help_text=_("The swap (meeting) the points are for.")
    )
    swap_id = serializers.IntegerField(
        required=False, min_value=1, help_text=_("Alias of meeting_id.")
    )
    amount = serializers.IntegerField(min_value=1, max_value=settings.POINTS_MAX_AMOUNT)
    note = CleanCharField(required=False, allow_blank=True, max_length=255, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        payer = self.context["request"].user
        to_id = self._one_of(attrs, "to_user_id", "receiver_id")
        swap_id = self._one_of(attrs, "meeting_id", "swap_id")
        target = None
        if to_id is not None:
            # Only the id is needed to move points: a reference, not the member's row.
            target = active_member_ref(user_id=to_id)
            if target is None:
                raise serializers.ValidationError(
                    {"to_user_id": [_("There is no active member with this id.")]}
                )
        if swap_id is None and target is None:
            raise serializers.ValidationError(
                {"to_user_id": [_("Say which member receives the points.")]}
            )
        if swap_id is None and target.pk == payer.pk:
            raise serializers.ValidationError(
                {"to_user_id": [_("You cannot transfer points to yourself.")]}
            )
        return {
            "target": target,
            "swap_id": swap_id,
            "amount": attrs["amount"],
            "note": attrs.get("note", ""),
        }

    @staticmethod
    def _one_of(attrs: dict[str, Any], name: str, alias: str) -> int | None:
        value, other = attrs.get(name), attrs.get(alias)
        if value is not None and other is not None and value != other:
            raise serializers.ValidationError(
                {
                    alias: [
                        _("Give %(name)s or %(alias)s, not both.") % {"name": name, "alias": alias}
                    ]
                }
            )
        return value if value is not None else other


# --------------------------------------------------------------------------------------------
# Seed 002: points/orders/ (an order is a paid swap: buyer = requester, seller = responder)
# --------------------------------------------------------------------------------------------

ORDER_ROLES = ["buyer", "seller"]


class OrderSerializer(serializers.ModelSerializer):
    """Seed 002's Order: buyer, seller, skill (the offer), status, timestamps; plus the price and
    the session's time."""

    buyer_id = serializers.IntegerField(source="requester_id", read_only=True)
    buyer_name = serializers.CharField(source="requester.public_name", read_only=True)
    seller_id = serializers.IntegerField(source="responder_id", read_only=True)
    seller_name = serializers.CharField(source="responder.public_name", read_only=True)
    skill_id = serializers.IntegerField(source="offer_id", read_only=True, allow_null=True)
    price_in_points = serializers.IntegerField(source="points_amount", read_only=True)
    my_role = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Swap
        fields = [
            "id",
            "buyer_id",
            "buyer_name",
            "seller_id",
            "seller_name",
            "skill_id",
            "title",
            "status",
            "price_in_points",
            "scheduled_start",
            "scheduled_end",
            "notes",
            "my_role",
            "allowed_actions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=ORDER_ROLES, allow_null=True))
    def get_my_role(self, swap: Swap) -> str | None:
        user = _caller(self)
        role = state_machine.role_of(swap, user) if user is not None else None
        return {"requester": "buyer", "responder": "seller"}.get(role or "")

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=state_machine.ACTIONS))
    )
    def get_allowed_actions(self, swap: Swap) -> list[str]:
        return _allowed_actions(self, swap)


class OrderCreateInputSerializer(InputSerializer):
    """``POST points/orders/``: order a listing (``skill_id``, alias ``skill``). Without a time the
    session takes the seller's next free slot."""

    skill_id = serializers.PrimaryKeyRelatedField(
        queryset=Offer.objects.all(), required=False, help_text="The listing (offer) ordered."
    )
    skill = serializers.PrimaryKeyRelatedField(
        queryset=Offer.objects.all(), required=False, help_text="Alias of skill_id."
    )
    scheduled_start = BoundedDateTimeField(
        required=False,
        help_text="When the session starts (UTC); default: the seller's next free slot.",
    )
    duration_minutes = serializers.IntegerField(min_value=5, max_value=24 * 60, required=False)
    notes = CleanCharField(max_length=4000, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _merge_alias(attrs, "skill", "skill_id", compare=lambda offer: offer.pk)
        if attrs.get("skill_id") is None:
            raise serializers.ValidationError(
                {"skill_id": [serializers.Field.default_error_messages["required"]]}
            )
        return attrs


class OrderUpdateInputSerializer(InputSerializer):
    """``PUT/PATCH points/orders/{id}/``: move the order by status (the swap's moves and rules)."""

    status = serializers.ChoiceField(
        choices=STATUS_INPUT_CHOICES,
        required=False,
        help_text="accepted (seller), rejected (seller), cancelled, completed, disputed.",
    )
    notes = CleanCharField(max_length=4000, required=False, allow_blank=True)
    reason = CleanCharField(max_length=4000, required=False, allow_blank=True)
