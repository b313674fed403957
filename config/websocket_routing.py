"""Every app's WebSocket routes, mounted under /ws/."""

from accounts.routing import websocket_urlpatterns as accounts_routes
from exchanges.routing import websocket_urlpatterns as exchanges_routes
from messaging.routing import websocket_urlpatterns as messaging_routes

websocket_urlpatterns = [
    *accounts_routes,
    *exchanges_routes,
    *messaging_routes,
]
