"""Input and output serializers of reports, support tickets and the staff lists."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from community.moderation.models import (
    BODY_MAX_LENGTH,
    DETAILS_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
    Report,
    ReportReason,
    ReportStatus,
    Resolution,
    Ticket,
    TicketCategory,
    TicketPriority,
    TicketReply,
    TicketStatus,
)
from config.api.fields import CleanCharField
from config.api.serializers import InputSerializer

ID_MAX = 2**31 - 1
# "" until a moderator closes the report.
RESOLUTION_CHOICES = [("", ""), *Resolution.choices]


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="public_name", read_only=True)


# --- reports -----------------------------------------------------------------------------------


class ReportCreateInputSerializer(InputSerializer):
    target_type = serializers.CharField(
        max_length=16, help_text=_("user, offer, message, thread or post")
    )
    target_id = serializers.IntegerField(min_value=1, max_value=ID_MAX)
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    details = CleanCharField(
        max_length=DETAILS_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class ReportSerializer(serializers.ModelSerializer):
    reason = serializers.ChoiceField(choices=ReportReason.choices, read_only=True)
    status = serializers.ChoiceField(choices=ReportStatus.choices, read_only=True)
    resolution = serializers.ChoiceField(choices=[("", ""), *Resolution.choices], read_only=True)
    resolved_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "target_type",
            "target_id",
            "target_label",
            "reason",
            "details",
            "status",
            "resolution",
            "created_at",
            "resolved_at",
        ]
        read_only_fields = fields


# --- tickets -----------------------------------------------------------------------------------


class TicketCreateInputSerializer(InputSerializer):
    subject = CleanCharField(max_length=SUBJECT_MAX_LENGTH)
    body = CleanCharField(max_length=BODY_MAX_LENGTH)
    category = serializers.ChoiceField(
        choices=TicketCategory.choices, required=False, default=TicketCategory.OTHER
    )


class TicketReplyInputSerializer(InputSerializer):
    body = CleanCharField(max_length=BODY_MAX_LENGTH)


class StaffTicketReplyInputSerializer(InputSerializer):
    body = CleanCharField(max_length=BODY_MAX_LENGTH)
    status = serializers.ChoiceField(choices=TicketStatus.choices, required=False)


class TicketUpdateInputSerializer(InputSerializer):
    status = serializers.ChoiceField(choices=TicketStatus.choices, required=False)
    priority = serializers.ChoiceField(choices=TicketPriority.choices, required=False)
    assignee_id = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, required=False, allow_null=True
    )


class TicketReplySerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = TicketReply
        fields = ["id", "author", "body", "is_staff", "created_at"]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_author(self, reply: TicketReply) -> dict[str, Any] | None:
        if reply.author is None:
            return None
        if reply.is_staff and not self.context.get("staff_view"):
            # Members see "Support", not which staff member answered.
            return {"id": None, "name": str(_("Support"))}
        return {"id": reply.author.pk, "name": reply.author.public_name}


class TicketSerializer(serializers.ModelSerializer):
    category = serializers.ChoiceField(choices=TicketCategory.choices, read_only=True)
    status = serializers.ChoiceField(choices=TicketStatus.choices, read_only=True)
    priority = serializers.ChoiceField(choices=TicketPriority.choices, read_only=True)
    replies = TicketReplySerializer(many=True, read_only=True)
    reply_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "subject",
            "body",
            "category",
            "status",
            "priority",
            "reply_count",
            "replies",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class StaffTicketSerializer(TicketSerializer):
    user = PersonSerializer(source="member", read_only=True)
    user_email = serializers.EmailField(source="member.email", read_only=True)
    assignee = PersonSerializer(read_only=True, allow_null=True)

    class Meta(TicketSerializer.Meta):
        fields = [
            "id",
            "user",
            "user_email",
            "subject",
            "body",
            "category",
            "status",
            "priority",
            "assignee",
            "reply_count",
            "replies",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- seed 004's admin/friends/ -----------------------------------------------------------------


class FriendSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="public_name", read_only=True)
    email = serializers.EmailField(read_only=True)
    avatar = serializers.SerializerMethodField()
    is_active = serializers.BooleanField(read_only=True)
    rating = serializers.DecimalField(
        max_digits=3, decimal_places=2, source="rating_average", read_only=True
    )
    rating_count = serializers.IntegerField(read_only=True)
    session_count = serializers.IntegerField(read_only=True)
    points_earned = serializers.IntegerField(read_only=True)
    open_reports = serializers.IntegerField(read_only=True)
    date_joined = serializers.DateTimeField(read_only=True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_avatar(self, user: Any) -> str | None:
        if not user.avatar:
            return None
        request = self.context.get("request")
        url = user.avatar.url
        return request.build_absolute_uri(url) if request is not None else url
