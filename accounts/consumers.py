"""WebSocket consumers of the accounts app."""

from __future__ import annotations

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class PingConsumer(AsyncJsonWebsocketConsumer):
    """``/ws/ping/``: proves the socket's authentication end to end.

    Any frame (JSON or not) is answered with ``{"type": "pong", "user_id": N}``.
    """

    async def connect(self) -> None:
        await self.accept()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.send_json({"type": "pong", "user_id": self.scope["user"].pk})
