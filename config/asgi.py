"""ASGI entry point: HTTP and WebSocket from one process.

WebSocket routes live under ``/ws/`` and are collected from each app's ``routing.py``. Every socket
passes, in order (``config/websocket_guards.py``, docs/api.md "WebSockets"):

1. the Origin check: a page of a foreign site closes with 4403 (no Origin is fine for native
   clients);
2. the route check: a path no app routes closes with 4404 (instead of a 500 in the log);
3. the authentication middleware (``accounts/websocket_auth.py``): it closes with 4401 unless
   ``?token=`` is a valid access token of an active user or, without ``?token=``, the Django session
   cookie signs in an active user (the site's own pages; the Origin check above is what makes a
   cookie safe to trust here);
4. then, for every frame the client sends, the frame guard: too large or nested too deep closes
   with 1009.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Django must be set up before anything imports models (consumers, routing).
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from accounts.websocket_auth import JWTAuthMiddleware  # noqa: E402
from config.websocket_guards import (  # noqa: E402
    FrameGuardMiddleware,
    OriginCheckMiddleware,
    RouteCheckMiddleware,
)
from config.websocket_routing import websocket_urlpatterns  # noqa: E402

websocket_router = URLRouter(websocket_urlpatterns)

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": OriginCheckMiddleware(
            RouteCheckMiddleware(
                FrameGuardMiddleware(JWTAuthMiddleware(websocket_router)), websocket_router
            )
        ),
    }
)
