"""Every app's WebSocket routes, mounted under /ws/."""

from accounts.routing import websocket_urlpatterns as accounts_routes

websocket_urlpatterns = [
    *accounts_routes,
]
