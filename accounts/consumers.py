"""WebSocket consumers of the accounts app, and the base every authenticated consumer uses."""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.groups import account_group
from accounts.websocket_auth import CLOSE_UNAUTHORIZED

# The account was suspended while the socket was open.
CLOSE_REVOKED = 4403


class UserConsumer(AsyncJsonWebsocketConsumer):
    """A JSON consumer for a signed-in user (the JWT middleware guarantees ``scope["user"]``).

    Before a subclass's ``connect()`` runs, the socket joins its account's group
    (``accounts.groups.account_group``); an ``account.revoked`` event on it (sent by
    ``services.user_suspend`` after commit) closes the socket with 4403, idle or not. The join
    happens in ``websocket_connect``, so subclasses need not call ``super().connect()``; the
    account is checked once more after joining, so a suspension committed between the
    middleware's check and the join still closes the socket.

    Every incoming frame also re-checks that the account is still active (close code 4401).
    Frames that are not a JSON object get an ``{"type": "error"}`` reply instead of killing the
    socket. Subclasses implement ``receive_event(content)``.
    """

    _account_group: str | None = None

    @property
    def user(self) -> Any:
        return self.scope["user"]

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        group = account_group(self.user.pk)
        await self.channel_layer.group_add(group, self.channel_name)
        self._account_group = group
        if not await self._user_still_active():
            await self.accept()
            await self.close(code=CLOSE_REVOKED)
            return
        await super().websocket_connect(message)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        if self._account_group is not None:
            await self.channel_layer.group_discard(self._account_group, self.channel_name)
            self._account_group = None
        await super().websocket_disconnect(message)

    async def account_revoked(self, event: dict[str, Any]) -> None:
        """The account was suspended: close at once, whatever the socket was doing."""
        await self.close(code=CLOSE_REVOKED)

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
