"""Output serializers of ``GET dashboard/`` (components ``Dashboard…`` in the schema).

The dashboard only reads; it has no input serializer (a query parameter it does not know is
ignored, as on every GET of the API).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exchanges.api.serializers import PARTY_ROLES
from exchanges.models import Swap
from marketplace.api.serializers import MatchSerializer


def _absolute(context: Mapping[str, Any], path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class DashboardPersonSerializer(serializers.Serializer):
    """The other party of a swap, as a card."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    avatar = serializers.CharField(allow_null=True, help_text=_("The avatar's address, if any."))


class DashboardOfferRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class DashboardVideoCallSerializer(serializers.Serializer):
    """The swap's video call that has not ended."""

    id = serializers.IntegerField()
    url = serializers.CharField(help_text=_("The call in the API (join token, ICE servers)."))
    page_url = serializers.CharField(help_text=_("The call page on the site."))


class DashboardSwapSerializer(serializers.Serializer):
    """A swap as the dashboard lists it: what it is, with whom, when."""

    id = serializers.IntegerField()
    title = serializers.SerializerMethodField(
        help_text=_("The offer's title, else the swap's own title.")
    )
    status = serializers.ChoiceField(choices=Swap.Status.choices)
    kind = serializers.ChoiceField(choices=Swap.Kind.choices)
    points_amount = serializers.IntegerField()
    session_type = serializers.ChoiceField(choices=Swap.SessionType.choices)
    mode = serializers.ChoiceField(choices=Swap.Mode.choices)
    role = serializers.SerializerMethodField(help_text=_("The caller's side of the swap."))
    other_party = serializers.SerializerMethodField()
    offer = serializers.SerializerMethodField()
    scheduled_start = serializers.DateTimeField()
    scheduled_end = serializers.DateTimeField()
    url = serializers.SerializerMethodField(help_text=_("The swap in the API."))

    def _viewer_id(self) -> int | None:
        return self.context["viewer_id"]

    def get_title(self, swap: Swap) -> str:
        return swap.offer.title if swap.offer is not None else swap.title

    @extend_schema_field(serializers.ChoiceField(choices=PARTY_ROLES))
    def get_role(self, swap: Swap) -> str:
        return "requester" if swap.requester_id == self._viewer_id() else "responder"

    @extend_schema_field(DashboardPersonSerializer)
    def get_other_party(self, swap: Swap) -> dict[str, Any]:
        other = swap.responder if swap.requester_id == self._viewer_id() else swap.requester
        avatar = _absolute(self.context, other.avatar.url) if other.avatar else None
        return {"id": other.pk, "name": other.public_name, "avatar": avatar}

    @extend_schema_field(DashboardOfferRefSerializer(allow_null=True))
    def get_offer(self, swap: Swap) -> dict[str, Any] | None:
        if swap.offer is None:
            return None
        return {"id": swap.offer.pk, "title": swap.offer.title}

    def get_url(self, swap: Swap) -> str:
        return _absolute(self.context, f"/api/v1/swaps/{swap.pk}/")


class DashboardSessionSerializer(DashboardSwapSerializer):
    """An upcoming session: an accepted swap not over yet, with its video call if one is open."""

    video_call = serializers.SerializerMethodField()

    @extend_schema_field(DashboardVideoCallSerializer(allow_null=True))
    def get_video_call(self, swap: Swap) -> dict[str, Any] | None:
        call_id = getattr(swap, "open_call_id", None)
        if call_id is None:
            return None
        return {
            "id": call_id,
            "url": _absolute(self.context, f"/api/v1/video-calls/{call_id}/"),
            "page_url": _absolute(self.context, reverse("calls:call", kwargs={"call_id": call_id})),
        }


class DashboardRequestsSerializer(serializers.Serializer):
    """Pending requests on both sides: the first few of each, and the whole counts."""

    incoming = DashboardSwapSerializer(
        many=True, help_text=_("Requests waiting for the caller's answer, soonest first.")
    )
    incoming_count = serializers.IntegerField()
    outgoing = DashboardSwapSerializer(
        many=True, help_text=_("The caller's requests awaiting an answer, soonest first.")
    )
    outgoing_count = serializers.IntegerField()


class DashboardBalanceSerializer(serializers.Serializer):
    balance = serializers.IntegerField(help_text=_("Points the member can spend now."))
    held_in_escrow = serializers.IntegerField(
        help_text=_("Points the member put in escrow for swaps not yet settled.")
    )


class DashboardRatingSerializer(serializers.Serializer):
    average = serializers.FloatField(help_text=_("0 when nobody has reviewed the member yet."))
    count = serializers.IntegerField()


class DashboardBadgeSerializer(serializers.Serializer):
    """A badge tier the member holds, newest first."""

    id = serializers.IntegerField(help_text=_("The award's id."))
    slug = serializers.CharField(source="badge.slug")
    name = serializers.CharField(source="badge.name")
    description = serializers.CharField(source="badge.description")
    icon = serializers.CharField(source="badge.icon")
    tier = serializers.CharField(help_text=_("bronze, silver or gold."))
    awarded_at = serializers.DateTimeField()


class DashboardRankSerializer(serializers.Serializer):
    metric = serializers.CharField()
    period = serializers.CharField()
    position = serializers.IntegerField(
        allow_null=True, help_text=_("The member's 1-based rank; null when unranked.")
    )


class DashboardSerializer(serializers.Serializer):
    """What needs the caller's attention (seed 001's dashboard)."""

    upcoming_sessions = serializers.SerializerMethodField()
    upcoming_count = serializers.IntegerField(source="counts.upcoming")
    pending_requests = serializers.SerializerMethodField()
    completed_swaps = serializers.IntegerField(source="counts.completed")
    balance = DashboardBalanceSerializer(source="wallet")
    rating = DashboardRatingSerializer()
    recent_badges = DashboardBadgeSerializer(source="badges", many=True)
    rank = DashboardRankSerializer()
    unread_messages = serializers.IntegerField()
    unread_notifications = serializers.IntegerField()
    suggested_matches = MatchSerializer(
        source="matches",
        many=True,
        help_text=_(
            "The best matches waiting for the caller's answer, as GET matches/ shows them; "
            "read as last computed, never recomputed by this request."
        ),
    )

    @extend_schema_field(DashboardSessionSerializer(many=True))
    def get_upcoming_sessions(self, dashboard: dict[str, Any]) -> Any:
        return DashboardSessionSerializer(
            dashboard["upcoming"], many=True, context=self.context
        ).data

    @extend_schema_field(DashboardRequestsSerializer)
    def get_pending_requests(self, dashboard: dict[str, Any]) -> Any:
        return DashboardRequestsSerializer(
            {
                "incoming": dashboard["incoming"],
                "incoming_count": dashboard["counts"]["incoming"],
                "outgoing": dashboard["outgoing"],
                "outgoing_count": dashboard["counts"]["outgoing"],
            },
            context=self.context,
        ).data
