"""Messaging endpoints, mounted under /api/v1/ by config/api_v1.py."""

from config.api.routing import endpoint
from messaging.api import views

urlpatterns = [
    endpoint("messages", views.ThreadListCreateView.as_view(), name="messaging-threads"),
    endpoint("messages/blocks", views.BlockListCreateView.as_view(), name="messaging-blocks"),
    endpoint(
        "messages/blocks/<int:user_id>", views.BlockDeleteView.as_view(), name="messaging-block"
    ),
    endpoint(
        "messages/<int:thread_id>", views.ThreadMessagesView.as_view(), name="messaging-thread"
    ),
    endpoint(
        "messages/<int:thread_id>/read", views.ThreadReadView.as_view(), name="messaging-read"
    ),
    endpoint(
        "messages/<int:thread_id>/attachments/<int:attachment_id>",
        views.AttachmentDownloadView.as_view(),
        name="messaging-attachment",
    ),
    endpoint(
        "messages/<int:thread_id>/attachments/<int:attachment_id>/thumbnail",
        views.AttachmentDownloadView.as_view(thumbnail=True),
        name="messaging-attachment-thumbnail",
    ),
    endpoint(
        "messages/<int:thread_id>/<int:message_id>",
        views.MessageDetailView.as_view(),
        name="messaging-message",
    ),
    endpoint(
        "messages/<int:thread_id>/<int:message_id>/report",
        views.MessageReportView.as_view(),
        name="messaging-message-report",
    ),
    endpoint("chat/rooms", views.ChatRoomListCreateView.as_view(), name="chat-rooms"),
    endpoint("chat/rooms/<int:thread_id>", views.ChatRoomDetailView.as_view(), name="chat-room"),
    endpoint(
        "chat/rooms/<int:thread_id>/send", views.ChatRoomSendView.as_view(), name="chat-room-send"
    ),
    endpoint("notifications", views.NotificationListView.as_view(), name="notifications"),
    endpoint(
        "notifications/read-all",
        views.NotificationReadAllView.as_view(),
        name="notifications-read-all",
    ),
    endpoint(
        "notifications/preferences",
        views.NotificationPreferencesView.as_view(),
        name="notifications-preferences",
    ),
    endpoint(
        "notifications/<int:notification_id>",
        views.NotificationDetailView.as_view(),
        name="notification",
    ),
]
