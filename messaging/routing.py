"""WebSocket routes of the messaging app (the trailing slash is optional; docs/api.md, sockets)."""

from django.urls import re_path

from messaging.consumers import (
    DirectChatConsumer,
    InboxConsumer,
    NotificationConsumer,
    SessionChatConsumer,
    ThreadChatConsumer,
)

websocket_urlpatterns = [
    re_path(r"^ws/?$", InboxConsumer.as_asgi()),
    re_path(r"^ws/threads/(?P<thread_id>[0-9]+)/?$", ThreadChatConsumer.as_asgi()),
    re_path(r"^ws/chat/(?P<receiver_id>[0-9]+)/?$", DirectChatConsumer.as_asgi()),
    re_path(r"^ws/sessions/(?P<session_id>[0-9]+)/chat/?$", SessionChatConsumer.as_asgi()),
    re_path(r"^ws/notifications/?$", NotificationConsumer.as_asgi()),
    re_path(r"^ws/notifications/(?P<user_id>[0-9]+)/?$", NotificationConsumer.as_asgi()),
]
