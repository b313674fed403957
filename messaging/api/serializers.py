"""Input and output serializers of the messaging API.

Messages and notifications are rendered by ``messaging.payloads`` (the same shape goes out on the
sockets); the output serializers here declare that shape for the OpenAPI schema and delegate.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserBriefSerializer
from config.api.fields import CleanCharField
from config.api.serializers import InputSerializer
from messaging import notification_kinds
from messaging.models import MessageReport, Thread
from messaging.payloads import message_payload, notification_payload

# --- output -------------------------------------------------------------------------------------


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
    notification_type = serializers.ChoiceField(choices=notification_kinds.CHOICES, read_only=True)
    related_type = serializers.CharField(read_only=True, help_text='e.g. "swap", "thread".')
    related_id = serializers.IntegerField(read_only=True, allow_null=True)
    data = serializers.DictField(read_only=True, help_text="The event's plain data (ids, names).")
    is_read = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return notification_payload(instance)


# A kind's channels: the preferences list's output and, with ``many=True``, its input.
class NotificationPreferenceSerializer(InputSerializer):
    # The registry's kinds, read each time the serializer is built (each app registers its own).
    kind = serializers.ChoiceField(choices=notification_kinds.CHOICES)
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


class MessageInputSerializer(InputSerializer):
    content = CleanCharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=settings.MESSAGING_MESSAGE_MAX_LENGTH * 2,
        help_text=(
            "Plain text, stored as written (HTML is not interpreted; control and bidi-override "
            "characters are dropped). Optional when files are attached."
        ),
    )
    attachments = _attachments_field()


class ThreadStartInputSerializer(MessageInputSerializer):
    receiver_id = serializers.IntegerField(min_value=1)


class MessageEditInputSerializer(InputSerializer):
    content = CleanCharField(
        allow_blank=True,
        trim_whitespace=False,
        max_length=settings.MESSAGING_MESSAGE_MAX_LENGTH * 2,
    )


class ReadInputSerializer(InputSerializer):
    message_id = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Read up to and including this message; the newest when omitted.",
    )


class ReportInputSerializer(InputSerializer):
    reason = serializers.ChoiceField(choices=MessageReport.Reason.choices)
    details = CleanCharField(required=False, allow_blank=True, max_length=1000)


class BlockInputSerializer(InputSerializer):
    user_id = serializers.IntegerField(min_value=1)


class NotificationPatchInputSerializer(InputSerializer):
    is_read = serializers.BooleanField()


# --- seed 002's chat rooms (aliases over threads; docs/api.md, seed aliases) ---------------------


def chat_message_payload(message: Any, *, participants: list) -> dict[str, Any]:
    """A message in seed 002's names (``chatroom_id``, ``timestamp``) on top of ours."""
    payload = message_payload(message, participants=participants)
    return {**payload, "chatroom_id": payload["thread_id"], "timestamp": payload["created_at"]}


class ChatMessageSerializer(MessageSerializer):
    """A message with seed 002's ``chatroom_id`` and ``timestamp`` besides our own fields."""

    chatroom_id = serializers.IntegerField(read_only=True, help_text="Seed 002: `thread_id`.")
    timestamp = serializers.DateTimeField(read_only=True, help_text="Seed 002: `created_at`.")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return chat_message_payload(instance, participants=self.context["participants"])


class ChatRoomSerializer(ThreadSerializer):
    """A thread in seed 002's ChatRoom names (``user1_id``, ``user2_id``) on top of ours."""

    # Not part of seed 002's room; and one component per enum keeps ThreadKindEnum's name.
    kind = None

    user1_id = serializers.SerializerMethodField(
        help_text="Seed 002: the member with the lower id of a two-person room; else null."
    )
    user2_id = serializers.SerializerMethodField(
        help_text="Seed 002: the member with the higher id of a two-person room; else null."
    )

    def _pair(self, thread: Thread) -> list[int]:
        ids = sorted(p.user_id for p in self._members(thread))
        return ids if len(ids) == 2 else []

    @extend_schema_field(OpenApiTypes.INT)
    def get_user1_id(self, thread: Thread) -> int | None:
        pair = self._pair(thread)
        return pair[0] if pair else None

    @extend_schema_field(OpenApiTypes.INT)
    def get_user2_id(self, thread: Thread) -> int | None:
        pair = self._pair(thread)
        return pair[1] if pair else None

    @extend_schema_field(ChatMessageSerializer(allow_null=True))
    def get_last_message(self, thread: Thread) -> dict | None:
        if thread.last_message is None:
            return None
        return chat_message_payload(thread.last_message, participants=self._members(thread))


class ChatRoomDetailSerializer(ChatRoomSerializer):
    messages = serializers.SerializerMethodField(
        help_text=(
            "The newest messages (up to 50), oldest first. The whole history, cursor-paginated: "
            "`GET messages/{id}/`."
        )
    )

    @extend_schema_field(ChatMessageSerializer(many=True))
    def get_messages(self, thread: Thread) -> list[dict]:
        members = self._members(thread)
        return [
            chat_message_payload(message, participants=members)
            for message in self.context["messages"]
        ]


class ChatRoomCreateInputSerializer(InputSerializer):
    user_id = serializers.IntegerField(
        min_value=1, required=False, help_text="The other member of the room."
    )
    user2_id = serializers.IntegerField(
        min_value=1, required=False, help_text="Seed 002's name for `user_id`."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [attrs[key] for key in ("user_id", "user2_id") if key in attrs]
        if len(given) != 1:
            raise serializers.ValidationError(
                {"user_id": [_("Give the other member's id as user_id (or user2_id).")]}
            )
        return {"user_id": given[0]}
