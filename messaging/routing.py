"""WebSocket routes of the messaging app (the trailing slash is optional)."""

from django.urls import re_path

from messaging.consumers import ChatConsumer, NotificationConsumer

websocket_urlpatterns = [
    re_path(r"^ws/chat/(?P<thread_id>[0-9]+)/?$", ChatConsumer.as_asgi()),
    re_path(r"^ws/notifications/?$", NotificationConsumer.as_asgi()),
]
