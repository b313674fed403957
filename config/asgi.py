"""ASGI entry point: HTTP and WebSocket from one process.

WebSocket routes live under ``/ws/`` and are collected from each app's ``routing.py``; every socket
passes through the JWT middleware, which closes it with 4401 unless ``?token=`` is a valid access
token of an active user.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Django must be set up before anything imports models (consumers, routing).
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from accounts.websocket_auth import JWTAuthMiddleware  # noqa: E402
from config.websocket_routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # No origin check: sockets authenticate with a token in the URL, never with a cookie,
        # so a foreign page cannot ride on a user's session; native clients send no Origin.
        "websocket": JWTAuthMiddleware(URLRouter(websocket_urlpatterns)),
    }
)
