"""Input and output serializers of the messaging API.

Messages and notifications are rendered by ``messaging.payloads`` (the same shape goes out on the
sockets); the output serializers here declare that shape for the OpenAPI schema and delegate.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from messaging.models import MessageReport, NotificationKind, Thread
from messaging.payloads import message_payload, notification_payload

# --- output -------------------------------------------------------------------------------------


class UserBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True, source="public_name")
    avatar = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_avatar(self, user: Any) -> str | None:
        return user.avatar.url if user.avatar else None


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True, help_text="The uploader's file name, cleaned.")
    content_type = serializers.CharField(read_only=True, help_text="Sniffed from the content.")
    size = serializers.IntegerField(read_only=True, help_text="Bytes.")
    width = serializers.IntegerField(read_only=True, allow_null=True)
    height = serializers.IntegerField(read_only=True, allow_null=True)
    url = serializers.CharField(read_only=True, help_text="Download (thread members only).")
    thumbnail_url = serializers.CharField(
        read_only=True, allow_null=True, help_text="WebP thumbnail of an image, else null."
    )


class MessageSerializer(serializers.Serializer):
    """A message (seed 003's fields plus thread, attachments, edit and tombstone state).

    Needs ``context["participants"]``: the thread's memberships with users loaded.
    """

    id = serializers.IntegerField(read_only=True)
    thread_id = serializers.IntegerField(read_only=True)
    sender_id = serializers.IntegerField(read_only=True, allow_null=True)
    sender_name = serializers.CharField(read_only=True)
    receiver_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The other member of a two-person thread."
    )
    receiver_name = serializers.CharField(read_only=True, allow_null=True)
    content = serializers.CharField(read_only=True, help_text="Plain text; empty when deleted.")
    attachments = AttachmentSerializer(many=True, read_only=True)
    is_read = serializers.BooleanField(read_only=True, help_text="Every other member has read it.")
    is_edited = serializers.BooleanField(read_only=True)
    is_deleted = serializers.BooleanField(read_only=True, help_text="A tombstone.")
    created_at = serializers.DateTimeField(read_only=True)
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)
    deleted_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return message_payload(instance, participants=self.context["participants"])


class ThreadSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=Thread.Kind.choices, read_only=True)
    title = serializers.CharField(read_only=True)
    subject_type = serializers.CharField(read_only=True, help_text='e.g. "swap"; empty if none.')
    subject_id = serializers.IntegerField(read_only=True, allow_null=True)
    other_party = serializers.SerializerMethodField(
        help_text="The other member of a two-person thread; null in a group."
    )
    participants = serializers.SerializerMethodField()
    last_message = serializers.SerializerMethodField()
    unread_count = serializers.IntegerField(read_only=True)
    last_message_at = serializers.DateTimeField(read_only=True, help_text="Last activity.")
    created_at = serializers.DateTimeField(read_only=True)

    def _members(self, thread: Thread) -> list:
        return list(thread.participants.all())

    @extend_schema_field(UserBriefSerializer(allow_null=True))
    def get_other_party(self, thread: Thread) -> dict | None:
        viewer_id = self.context["request"].user.pk
        others = [p.user for p in self._members(thread) if p.user_id != viewer_id]
        return UserBriefSerializer(others[0]).data if len(others) == 1 else None

    @extend_schema_field(UserBriefSerializer(many=True))
    def get_participants(self, thread: Thread) -> list[dict]:
        return UserBriefSerializer([p.user for p in self._members(thread)], many=True).data

    @extend_schema_field(MessageSerializer(allow_null=True))
    def get_last_message(self, thread: Thread) -> dict | None:
        if thread.last_message is None:
            return None
        return message_payload(thread.last_message, participants=self._members(thread))


class NotificationSerializer(serializers.Serializer):
    """A notification with seed 003's field names; title and content in the recipient's language."""

    id = serializers.IntegerField(read_only=True)
    user_id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    content = serializers.CharField(read_only=True)
    notification_type = serializers.ChoiceField(choices=NotificationKind.choices, read_only=True)
    related_type = serializers.CharField(read_only=True, help_text='e.g. "swap", "thread".')
    related_id = serializers.IntegerField(read_only=True, allow_null=True)
    data = serializers.DictField(read_only=True, help_text="The event's plain data (ids, names).")
    is_read = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return notification_payload(instance)


class NotificationPreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    label = serializers.CharField(read_only=True)
    in_app = serializers.BooleanField()
    email = serializers.BooleanField(
        help_text="For new_message: the digest of unread messages, never one mail per message."
    )


class BlockSerializer(serializers.Serializer):
    user = UserBriefSerializer(source="blocked", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class ReadReceiptSerializer(serializers.Serializer):
    thread_id = serializers.IntegerField(read_only=True)
    user_id = serializers.IntegerField(read_only=True)
    last_read_message_id = serializers.IntegerField(read_only=True)
    last_read_at = serializers.DateTimeField(read_only=True, allow_null=True)
    unread_count = serializers.IntegerField(read_only=True)


class MessageReportSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    message_id = serializers.IntegerField(read_only=True)
    reason = serializers.ChoiceField(choices=MessageReport.Reason.choices, read_only=True)
    status = serializers.ChoiceField(choices=MessageReport.Status.choices, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class ReadAllResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text="How many notifications were marked read.")


# --- input --------------------------------------------------------------------------------------


def _attachments_field() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.FileField(allow_empty_file=False, use_url=False),
        required=False,
        max_length=settings.MESSAGING_ATTACHMENTS_PER_MESSAGE,
        help_text=(
            "multipart/form-data only: repeat the `attachments` part per file. Types are "
            "checked from the content: images (re-encoded, with a thumbnail), PDF, office "
            "documents, audio, video, plain text."
        ),
    )


class MessageInputSerializer(serializers.Serializer):
    content = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=settings.MESSAGING_MESSAGE_MAX_LENGTH * 2,
        help_text="Plain text; HTML tags are removed. Optional when files are attached.",
    )
    attachments = _attachments_field()


class ThreadStartInputSerializer(MessageInputSerializer):
    receiver_id = serializers.IntegerField(min_value=1)


class MessageEditInputSerializer(serializers.Serializer):
    content = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        max_length=settings.MESSAGING_MESSAGE_MAX_LENGTH * 2,
    )


class ReadInputSerializer(serializers.Serializer):
    message_id = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Read up to and including this message; the newest when omitted.",
    )


class ReportInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=MessageReport.Reason.choices)
    details = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class BlockInputSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(min_value=1)


class NotificationPatchInputSerializer(serializers.Serializer):
    is_read = serializers.BooleanField()
