"""``/ws/calls/{id}/``: WebRTC signalling between the two participants of one video call.

The socket is authenticated by the JWT middleware (``?token=``) and admitted with the caller's
join token (``?join_token=``) from ``GET video-calls/{id}/``; anyone else — another user, a wrong
or expired token, an ended call (also one ended because its swap was cancelled, completed or
resolved) — is closed with 4403. Frames ``offer``, ``answer``, ``ice`` and ``hangup`` are relayed
to the other sockets of the call (never echoed to the sender) with ``from`` set to the sender's
user id; nothing else is interpreted. ``hangup`` also ends the call.

When the call ends, however it ends (a hangup, ``POST video-calls/{id}/end``, the swap cancelled or
completed), every open socket of it gets ``{"type": "ended", "call_id": N}`` and is closed with
4409: the call is over. Joins and leaves are recorded, so the call knows its actual start, end
and duration.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async

from accounts.consumers import UserConsumer
from core.exceptions import ApplicationError
from exchanges import services
from exchanges.models import VideoCall
from messaging.groups import call_group

CLOSE_FORBIDDEN = 4403
CLOSE_CALL_ENDED = 4409
RELAYED = {"offer", "answer", "ice", "hangup"}
# A generous bound for SDP blobs; a frame larger than this is refused, not relayed.
MAX_FRAME_CHARS = 64 * 1024


class CallConsumer(UserConsumer):
    call_id: int
    group: str
    admitted = False

    async def connect(self) -> None:
        self.call_id = int(self.scope["url_route"]["kwargs"]["call_id"])
        self.group = call_group(self.call_id)
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        join_token = (query.get("join_token") or [""])[0]
        await self.accept()
        try:
            await self._join(join_token)
        except ApplicationError:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.admitted = True
        await self.channel_layer.group_add(self.group, self.channel_name)
        if await self._ended():
            # The call ended between the join and joining the group: its "ended" event was
            # sent before this socket could hear it.
            await self.call_ended({})
            return
        await self.send_json({"type": "joined", "call_id": self.call_id, "user_id": self.user.pk})
        await self._to_others({"type": "peer_joined", "from": self.user.pk})

    async def disconnect(self, code: int) -> None:
        if not self.admitted:
            return
        self.admitted = False
        await self.channel_layer.group_discard(self.group, self.channel_name)
        await self._to_others({"type": "peer_left", "from": self.user.pk})
        await self._leave()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is not None and len(text_data) > MAX_FRAME_CHARS:
            await self.send_json({"type": "error", "code": "frame_too_large"})
            return
        await super().receive(text_data=text_data, bytes_data=bytes_data)

    async def receive_event(self, content: dict[str, Any]) -> None:
        if not self.admitted:
            return
        kind = content.get("type")
        if kind not in RELAYED:
            await self.send_json({"type": "error", "code": "unknown_type"})
            return
        event = {key: value for key, value in content.items() if key != "from"}
        event["from"] = self.user.pk
        await self._to_others(event)
        if kind == "hangup":
            await self._end()

    async def call_relay(self, message: dict[str, Any]) -> None:
        """A frame from another socket of this call; never echo our own."""
        if message.get("sender") == self.channel_name:
            return
        await self.send_json(message["event"])

    async def call_ended(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "ended", "call_id": self.call_id})
        await self.close(code=CLOSE_CALL_ENDED)

    async def _to_others(self, event: dict[str, Any]) -> None:
        await self.channel_layer.group_send(
            self.group, {"type": "call.relay", "sender": self.channel_name, "event": event}
        )

    @database_sync_to_async
    def _join(self, join_token: str) -> None:
        services.video_call_join(call_id=self.call_id, user=self.user, join_token=join_token)

    @database_sync_to_async
    def _ended(self) -> bool:
        return VideoCall.objects.filter(pk=self.call_id, status=VideoCall.Status.ENDED).exists()

    @database_sync_to_async
    def _leave(self) -> None:
        services.video_call_leave(call_id=self.call_id, user=self.user)

    @database_sync_to_async
    def _end(self) -> None:
        services.video_call_end(call=self.call_id, actor=self.user)
