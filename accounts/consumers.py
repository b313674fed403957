"""WebSocket consumers of the accounts app, and the base every authenticated consumer uses."""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.websocket_auth import CLOSE_UNAUTHORIZED


class UserConsumer(AsyncJsonWebsocketConsumer):
    """A JSON consumer for a signed-in user (the JWT middleware guarantees ``scope["user"]``).

    Every incoming frame first re-checks that the account is still active, so a suspension takes
    effect on the socket's next message (close code 4401). Frames that are not a JSON object get an
    ``{"type": "error"}`` reply instead of killing the socket. Subclasses implement
    ``receive_event(content)``.
    """

    @property
    def user(self) -> Any:
        return self.scope["user"]

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not await self._user_still_active():
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        try:
            content = json.loads(text_data or (bytes_data or b"").decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            await self.send_json({"type": "error", "code": "parse_error"})
            return
        if not isinstance(content, dict):
            await self.send_json({"type": "error", "code": "parse_error"})
            return
        await self.receive_event(content)

    async def receive_event(self, content: dict[str, Any]) -> None:
        raise NotImplementedError

    @database_sync_to_async
    def _user_still_active(self) -> bool:
        model = type(self.user)
        return model.objects.filter(pk=self.user.pk, is_active=True).exists()


class PingConsumer(UserConsumer):
    """``/ws/ping/``: proves the socket's authentication end to end.

    Any frame is answered with ``{"type": "pong", "user_id": N}``.
    """

    async def connect(self) -> None:
        await self.accept()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not await self._user_still_active():
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        await self.send_json({"type": "pong", "user_id": self.user.pk})
