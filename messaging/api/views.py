"""Thin views of the messaging API: validate, call one service or selector, serialize."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from core.exceptions import ValidationFailed
from messaging import selectors, services
from messaging.api.filters import NotificationFilter, ThreadFilter
from messaging.api.serializers import (
    BlockInputSerializer,
    BlockSerializer,
    ChatMessageSerializer,
    ChatRoomCreateInputSerializer,
    ChatRoomDetailSerializer,
    ChatRoomSerializer,
    MessageEditInputSerializer,
    MessageInputSerializer,
    MessageReportSerializer,
    MessageSerializer,
    NotificationPatchInputSerializer,
    NotificationPreferenceSerializer,
    NotificationSerializer,
    ReadAllResultSerializer,
    ReadInputSerializer,
    ReadReceiptSerializer,
    ReportInputSerializer,
    ThreadSerializer,
    ThreadStartInputSerializer,
)
from messaging.models import Message, Notification, Thread, UserBlock

TAG = "messaging"
MULTIPART_OR_JSON = ["application/json", "multipart/form-data"]


class MessageCursorPagination(CursorPagination):
    """Newest first, paged by an opaque cursor on the message id.

    Pages never shift when messages arrive meanwhile (unlike page numbers): ``next`` continues
    exactly after the last message received, ``previous`` returns newer messages.
    """

    ordering = "-id"
    page_size = 30
    page_size_query_param = "page_size"
    max_page_size = 100


def _receiver(receiver_id: int) -> User:
    receiver = User.objects.filter(pk=receiver_id, is_active=True).first()
    if receiver is None:
        raise ValidationFailed(fields={"receiver_id": [_("No such user.")]})
    return receiver


def _message_out(message: Any, thread: Thread) -> dict:
    participants = list(thread.participants.select_related("user").order_by("id"))
    return MessageSerializer(message, context={"participants": participants}).data


@extend_schema(tags=[TAG])
class ThreadListCreateView(generics.GenericAPIView):
    """``messages/``: the caller's threads; start (or continue) a conversation with a user."""

    serializer_class = ThreadSerializer
    filterset_class = ThreadFilter
    ordering_fields = ["last_message_at", "created_at"]
    ordering = ["-last_message_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Thread.objects.none()
        return selectors.thread_list(user=self.request.user)

    @extend_schema(
        summary="List my threads",
        operation_id="messages_threads_list",
        description=(
            "Threads the caller belongs to, most recent activity first, each with the other "
            "party, the last message and the caller's unread count."
        ),
        responses={200: ThreadSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        data = ThreadSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="Send a message to a user",
        operation_id="messages_send_to_user",
        description=(
            "Seed 003: `receiver_id` + `content`. Reuses the pair's thread (creates it on first "
            "contact). Files may be attached with multipart/form-data. 403 `blocked` when either "
            "user blocked the other."
        ),
        request={
            "application/json": ThreadStartInputSerializer,
            "multipart/form-data": ThreadStartInputSerializer,
        },
        responses={201: MessageSerializer},
    )
    def post(self, request: Request) -> Response:
        payload = ThreadStartInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        receiver = _receiver(payload.validated_data["receiver_id"])
        message = services.message_send_to_user(
            sender=request.user,
            receiver=receiver,
            content=payload.validated_data.get("content", ""),
            attachments=payload.validated_data.get("attachments", []),
        )
        return Response(_message_out(message, message.thread), status=status.HTTP_201_CREATED)


class ThreadMixin:
    request: Request
    kwargs: dict

    def get_thread(self) -> Thread:
        if not hasattr(self, "_thread"):
            self._thread = selectors.thread_get(
                user=self.request.user, thread_id=self.kwargs["thread_id"]
            )
        return self._thread

    def participants(self) -> list:
        return list(self.get_thread().participants.all())


@extend_schema(tags=[TAG])
class ThreadMessagesView(ThreadMixin, generics.GenericAPIView):
    """``messages/{thread_id}/``: read a thread's history and post to it."""

    serializer_class = MessageSerializer
    pagination_class = MessageCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        return selectors.message_list(thread=self.get_thread())

    @extend_schema(
        summary="Read a thread (cursor-paginated, newest first)",
        operation_id="messages_thread_history",
        description=(
            "Cursor pagination: follow `next` for older messages and `previous` for newer ones; "
            "`page_size` up to 100 (30 by default). Messages that arrive while you page never "
            "shift or repeat a page. Deleted messages appear as tombstones (`is_deleted`). "
            "404 unless the caller is a member of the thread."
        ),
        responses={200: MessageSerializer(many=True)},
    )
    def get(self, request: Request, thread_id: int) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        data = MessageSerializer(page, many=True, context={"participants": self.participants()})
        return self.get_paginated_response(data.data)

    @extend_schema(
        summary="Send a message to a thread",
        operation_id="messages_thread_send",
        description="JSON, or multipart/form-data with `attachments` files.",
        request={
            "application/json": MessageInputSerializer,
            "multipart/form-data": MessageInputSerializer,
        },
        responses={201: MessageSerializer},
    )
    def post(self, request: Request, thread_id: int) -> Response:
        payload = MessageInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        thread = self.get_thread()
        message = services.message_send(
            thread=thread,
            sender=request.user,
            content=payload.validated_data.get("content", ""),
            attachments=payload.validated_data.get("attachments", []),
        )
        return Response(_message_out(message, thread), status=status.HTTP_201_CREATED)


@extend_schema(tags=[TAG])
class MessageDetailView(ThreadMixin, APIView):
    """``messages/{thread_id}/{message_id}/``: one message; edit or delete your own."""

    def get_message(self) -> Any:
        return selectors.message_get(thread=self.get_thread(), message_id=self.kwargs["message_id"])

    @extend_schema(summary="Get one message", responses={200: MessageSerializer})
    def get(self, request: Request, thread_id: int, message_id: int) -> Response:
        message = self.get_message()
        return Response(
            MessageSerializer(message, context={"participants": self.participants()}).data
        )

    @extend_schema(
        summary="Edit my message",
        description="Within 15 minutes of sending (409 `edit_window_closed` after).",
        request=MessageEditInputSerializer,
        responses={200: MessageSerializer},
    )
    def patch(self, request: Request, thread_id: int, message_id: int) -> Response:
        payload = MessageEditInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        message = services.message_edit(
            message=self.get_message(), user=request.user, content=payload.validated_data["content"]
        )
        return Response(_message_out(message, self.get_thread()))

    @extend_schema(
        summary="Delete my message",
        description=(
            "Within 15 minutes of sending. The message stays as a tombstone (no text, no files) "
            "and is returned."
        ),
        responses={200: MessageSerializer},
    )
    def delete(self, request: Request, thread_id: int, message_id: int) -> Response:
        message = services.message_delete(message=self.get_message(), user=request.user)
        return Response(_message_out(message, self.get_thread()))


@extend_schema(tags=[TAG])
class ThreadReadView(ThreadMixin, APIView):
    """``messages/{thread_id}/read``: read receipts."""

    @extend_schema(
        summary="Mark a thread read",
        description=(
            "Moves the caller's read position up to `message_id` (the newest by default); it never "
            "moves back. Members' open sockets receive `message.read`."
        ),
        request=ReadInputSerializer,
        responses={200: ReadReceiptSerializer},
    )
    def post(self, request: Request, thread_id: int) -> Response:
        payload = ReadInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        thread = self.get_thread()
        participant = services.thread_mark_read(
            thread=thread,
            user=request.user,
            up_to_message_id=payload.validated_data.get("message_id"),
        )
        return Response(
            ReadReceiptSerializer(
                {
                    "thread_id": thread.pk,
                    "user_id": request.user.pk,
                    "last_read_message_id": participant.last_read_message_id,
                    "last_read_at": participant.last_read_at,
                    "unread_count": selectors.thread_unread_count(thread=thread, user=request.user),
                }
            ).data
        )


@extend_schema(tags=[TAG])
class MessageReportView(ThreadMixin, APIView):
    """``messages/{thread_id}/{message_id}/report``."""

    @extend_schema(
        summary="Report a message",
        description="Moderators review reports in the admin. 409 `already_reported` on a repeat.",
        request=ReportInputSerializer,
        responses={201: MessageReportSerializer},
    )
    def post(self, request: Request, thread_id: int, message_id: int) -> Response:
        payload = ReportInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        message = selectors.message_get(thread=self.get_thread(), message_id=message_id)
        report = services.message_report(
            message=message,
            reporter=request.user,
            reason=payload.validated_data["reason"],
            details=payload.validated_data.get("details", ""),
        )
        return Response(MessageReportSerializer(report).data, status=status.HTTP_201_CREATED)


class AttachmentDownloadView(APIView):
    """``messages/{thread_id}/attachments/{attachment_id}/`` (and ``…/thumbnail``)."""

    thumbnail = False

    @extend_schema(
        tags=[TAG],
        summary="Download an attachment",
        description=(
            "Thread members only (404 for anyone else). Served as a download with "
            "`X-Content-Type-Options: nosniff`; images inline."
        ),
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request: Request, thread_id: int, attachment_id: int) -> FileResponse:
        attachment = selectors.attachment_get(
            user=request.user, thread_id=thread_id, attachment_id=attachment_id
        )
        stored = attachment.thumbnail if self.thumbnail else attachment.file
        if not stored:
            raise Http404
        inline = attachment.is_image
        response = FileResponse(
            stored.storage.open(stored.name, "rb"),
            as_attachment=not inline,
            filename=attachment.original_name or None,
            content_type="image/webp" if self.thumbnail else attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, max-age=3600"
        return response


@extend_schema(tags=[TAG])
class BlockListCreateView(generics.GenericAPIView):
    """``messages/blocks/``: the users the caller blocked."""

    serializer_class = BlockSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return UserBlock.objects.none()
        return selectors.block_list(user=self.request.user)

    @extend_schema(summary="List the users I blocked", responses={200: BlockSerializer(many=True)})
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(BlockSerializer(page, many=True).data)

    @extend_schema(
        summary="Block a user",
        description="No new messages either way until unblocked. Idempotent.",
        request=BlockInputSerializer,
        responses={201: BlockSerializer},
    )
    def post(self, request: Request) -> Response:
        payload = BlockInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        blocked = User.objects.filter(pk=payload.validated_data["user_id"]).first()
        if blocked is None:
            raise ValidationFailed(fields={"user_id": [_("No such user.")]})
        block = services.user_block(blocker=request.user, blocked=blocked)
        return Response(BlockSerializer(block).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=[TAG])
class BlockDeleteView(APIView):
    @extend_schema(summary="Unblock a user", responses={204: None})
    def delete(self, request: Request, user_id: int) -> Response:
        services.user_unblock(blocker=request.user, blocked_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["notifications"])
class NotificationListView(generics.ListAPIView):
    """``notifications/``."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.notification_list(user=self.request.user)

    @extend_schema(summary="List my notifications (filter `is_read`)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["notifications"])
class NotificationDetailView(APIView):
    """``notifications/{id}/``."""

    def get_notification(self, notification_id: int) -> Any:
        notification = (
            selectors.notification_list(user=self.request.user).filter(pk=notification_id).first()
        )
        if notification is None:
            raise Http404
        return notification

    @extend_schema(summary="Get a notification", responses={200: NotificationSerializer})
    def get(self, request: Request, notification_id: int) -> Response:
        return Response(NotificationSerializer(self.get_notification(notification_id)).data)

    @extend_schema(
        summary="Mark a notification read or unread",
        request=NotificationPatchInputSerializer,
        responses={200: NotificationSerializer},
    )
    def patch(self, request: Request, notification_id: int) -> Response:
        payload = NotificationPatchInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        notification = services.notification_mark(
            notification=self.get_notification(notification_id),
            is_read=payload.validated_data["is_read"],
        )
        return Response(NotificationSerializer(notification).data)


@extend_schema(tags=["notifications"])
class NotificationReadAllView(APIView):
    @extend_schema(
        summary="Mark all my notifications read",
        request=None,
        responses={200: ReadAllResultSerializer},
    )
    def post(self, request: Request) -> Response:
        count = services.notification_mark_all_read(user=request.user)
        return Response({"updated": count})


@extend_schema(tags=["notifications"])
class NotificationPreferencesView(APIView):
    """``notifications/preferences``: per type, in the app and by e-mail."""

    @extend_schema(
        summary="My notification preferences",
        responses={200: NotificationPreferenceSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        return Response(
            NotificationPreferenceSerializer(
                selectors.notification_preference_list(user=request.user), many=True
            ).data
        )

    @extend_schema(
        summary="Change my notification preferences",
        description="Send any subset of types; the ones left out keep their setting.",
        request=NotificationPreferenceSerializer(many=True),
        responses={200: NotificationPreferenceSerializer(many=True)},
    )
    def put(self, request: Request) -> Response:
        payload = NotificationPreferenceSerializer(data=request.data, many=True)
        payload.is_valid(raise_exception=True)
        services.notification_preferences_update(
            user=request.user, preferences=payload.validated_data
        )
        return self.get(request)


# --- seed 002's chat rooms: aliases over the thread services (docs/api.md, seed aliases) ---------

CHAT_ROOM_MESSAGES = 50


@extend_schema(tags=[TAG])
class ChatRoomListCreateView(ThreadListCreateView):
    """``chat/rooms/``: seed 002's rooms are the caller's threads."""

    serializer_class = ChatRoomSerializer

    @extend_schema(
        summary="List my chat rooms (seed 002)",
        operation_id="chat_rooms_list",
        description=(
            "Seed 002's name for `GET messages/`: the caller's threads, most recent activity "
            "first, with seed 002's `user1_id` and `user2_id` besides our fields. Same filters."
        ),
        responses={200: ChatRoomSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        data = ChatRoomSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="Open a chat room with a member (seed 002)",
        operation_id="chat_rooms_create",
        description=(
            "The caller's one direct thread with `user_id` (seed 002: `user2_id`), opened without "
            "a message: 201 when it is new, 200 when it already existed. 403 `blocked` when "
            "either user blocked the other."
        ),
        request=ChatRoomCreateInputSerializer,
        responses={201: ChatRoomSerializer, 200: ChatRoomSerializer},
    )
    def post(self, request: Request) -> Response:
        payload = ChatRoomCreateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        other = User.objects.filter(pk=payload.validated_data["user_id"], is_active=True).first()
        if other is None:
            raise ValidationFailed(fields={"user_id": [_("No such user.")]})
        thread, created = services.thread_open_with_user(user=request.user, other=other)
        thread = selectors.thread_list(user=request.user).get(pk=thread.pk)
        return Response(
            ChatRoomSerializer(thread, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema(tags=[TAG])
class ChatRoomDetailView(ThreadMixin, APIView):
    """``chat/rooms/{thread_id}/``."""

    @extend_schema(
        summary="A chat room with its latest messages (seed 002)",
        operation_id="chat_rooms_retrieve",
        description=(
            "The room and its newest 50 messages, oldest first (the whole history: "
            "`GET messages/{id}/`). 404 unless the caller is a member."
        ),
        responses={200: ChatRoomDetailSerializer},
    )
    def get(self, request: Request, thread_id: int) -> Response:
        self.get_thread()  # 404 before anything else for a non-member
        thread = selectors.thread_list(user=request.user).get(pk=thread_id)
        messages = selectors.message_latest(thread=thread, limit=CHAT_ROOM_MESSAGES)
        context = {"request": request, "messages": messages}
        return Response(ChatRoomDetailSerializer(thread, context=context).data)


@extend_schema(tags=[TAG])
class ChatRoomSendView(ThreadMixin, APIView):
    """``chat/rooms/{thread_id}/send/``."""

    @extend_schema(
        summary="Send a message to a chat room (seed 002)",
        operation_id="chat_rooms_send",
        description=(
            "Seed 002's name for `POST messages/{id}/`: JSON, or multipart/form-data with "
            "`attachments` files."
        ),
        request={
            "application/json": MessageInputSerializer,
            "multipart/form-data": MessageInputSerializer,
        },
        responses={201: ChatMessageSerializer},
    )
    def post(self, request: Request, thread_id: int) -> Response:
        payload = MessageInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        thread = self.get_thread()
        message = services.message_send(
            thread=thread,
            sender=request.user,
            content=payload.validated_data.get("content", ""),
            attachments=payload.validated_data.get("attachments", []),
        )
        participants = list(thread.participants.select_related("user").order_by("id"))
        return Response(
            ChatMessageSerializer(message, context={"participants": participants}).data,
            status=status.HTTP_201_CREATED,
        )
