"""What one simulated member does, written once for Locust and for the tests.

Every flow takes a ``client`` with one method, ``request(method, path, *, name, json=None,
headers=None, expect=(200,)) -> Answer``: the Locust adapter (``locustfile.py``) counts an
answer whose status is not in ``expect`` as a failure, the test adapter
(``tests/benchmarks/load/test_flows.py``) fails the test. Nothing here expects a refusal: the
flows are built so that none happens (pairs of members who never compete for one diary, swap
times after the requester's latest, transfers of one point between partners).

Members are the ``seed_scale`` pairs ``(2p, 2p + 1)`` (``demo/scale.py``): the even one asks for
sessions of its partner's offers, the odd one (an expert, priced offers) accepts them.
"""

from __future__ import annotations

import datetime as dt
import json as jsonlib
import math
import random
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

API = "/api/v1/"

# Words that occur in the seeded offers (marketplace.demo's catalogue), in each language.
SEARCH_EN = ["python", "guitar", "cooking", "photography", "english", "marketing", "piano", "yoga"]
SEARCH_AR = ["بايثون", "العود", "الطبخ", "الخط العربي", "تصميم", "برمجة", "محادثة", "إكسل"]

PAGE_SIZE = 20  # docs/api.md, "Pagination"
MAX_PAGE = 50  # people read the first pages

# Relative weights of the tasks, after the sign-in: reads dominate, as on any marketplace.
WEIGHTS = {
    "browse": 30,
    "search_en": 12,
    "search_ar": 12,
    "view_offer": 20,
    "swap": 5,
    "accept": 5,
    "transfer": 4,
    "chat": 4,
}


@dataclass
class Answer:
    status: int
    data: Any = None


class Client(Protocol):
    def request(
        self,
        method: str,
        path: str,
        *,
        name: str,
        json: Any = None,
        headers: dict[str, str] | None = None,
        expect: Sequence[int] = (200,),
    ) -> Answer: ...


@dataclass
class Member:
    """A simulated member: who it is, its partner, and what it has seen."""

    index: int
    email: str
    password: str
    user_id: int | None = None
    access: str = ""
    partner: Member | None = None
    # Swap ids the partner requested and this member has not accepted yet.
    inbox: deque[int] = field(default_factory=deque)
    partner_offers: list[dict[str, Any]] = field(default_factory=list)
    next_start: dt.datetime | None = None
    pages: int = 1
    seen_offers: list[int] = field(default_factory=list)
    categories: list[int] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)

    @property
    def requester(self) -> bool:
        return self.index % 2 == 0

    def auth(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}", **extra}


def pair(
    index: int, email: Callable[[int], str], password: str, seed: int = 0
) -> tuple[Member, Member]:
    """The members of seed_scale's pair that starts at the even ``index``."""
    first = Member(index, email(index), password, rng=random.Random(seed * 1_000_003 + index))
    second = Member(
        index + 1, email(index + 1), password, rng=random.Random(seed * 1_000_003 + index + 1)
    )
    first.partner, second.partner = second, first
    return first, second


# --- the flows ---------------------------------------------------------------------------------


def sign_in(client: Client, member: Member) -> None:
    """``POST auth/login`` with the e-mail and password: the JWT pair and the member's id."""
    answer = client.request(
        "POST",
        f"{API}auth/login",
        name="POST auth/login",
        json={"email": member.email, "password": member.password},
    )
    member.access = answer.data["access"]
    member.user_id = answer.data["user"]["id"]


def browse(client: Client, member: Member) -> None:
    """A page of the newest offers, the categories, one category's offers."""
    # Pages the member has seen exist (the first visit reads page 1 and learns the count).
    page = member.rng.randint(1, min(member.pages, MAX_PAGE))
    answer = client.request(
        "GET", f"{API}offers/?page={page}", name="GET offers/?page=", headers=member.auth()
    )
    member.pages = max(1, math.ceil(answer.data["count"] / PAGE_SIZE))
    member.seen_offers = [row["id"] for row in answer.data["results"]] or member.seen_offers
    if not member.categories:
        answer = client.request(
            "GET", f"{API}categories/", name="GET categories/", headers=member.auth()
        )
        rows = answer.data["results"] if isinstance(answer.data, dict) else answer.data
        member.categories = [row["id"] for row in rows]
    if member.categories:
        category = member.rng.choice(member.categories)
        client.request(
            "GET",
            f"{API}offers/?category={category}",
            name="GET offers/?category=",
            headers=member.auth(),
        )


def search(client: Client, member: Member, language: str) -> None:
    """Full-text search in English or Arabic (the request's language too)."""
    words = SEARCH_AR if language == "ar" else SEARCH_EN
    word = member.rng.choice(words)
    answer = client.request(
        "GET",
        f"{API}offers/?search={word}",
        name=f"GET offers/?search= ({language})",
        headers=member.auth(**{"Accept-Language": language}),
    )
    member.seen_offers = [row["id"] for row in answer.data["results"]] or member.seen_offers


def view_offer(client: Client, member: Member) -> None:
    """One offer seen in a list (the first list if none was seen yet)."""
    if not member.seen_offers:
        browse(client, member)
    if member.seen_offers:
        offer_id = member.rng.choice(member.seen_offers)
        client.request(
            "GET", f"{API}offers/{offer_id}/", name="GET offers/{id}/", headers=member.auth()
        )


def _first_start(client: Client, member: Member) -> dt.datetime:
    """After the member's latest requested session (a day from now at the earliest), on the hour.

    Swaps of earlier runs stay in the database: starting after them keeps every new request clear
    of the pair's accepted sessions, so no request meets a schedule conflict.
    """
    answer = client.request(
        "GET",
        f"{API}swaps/?role=requester&ordering=-scheduled_start&page_size=1",
        name="GET swaps/?role=requester",
        headers=member.auth(),
    )
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    rows = answer.data["results"]
    if rows:
        latest = dt.datetime.fromisoformat(rows[0]["scheduled_end"].replace("Z", "+00:00"))
        start = max(start, latest)
    return start.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)


def request_swap(client: Client, member: Member) -> int | None:
    """The even member asks for a session of its partner's offer (paid in points: the partner is
    an expert); the partner finds the request in its inbox. Returns the swap id."""
    partner = member.partner
    if not member.requester or partner is None or partner.user_id is None:
        return None
    if not member.partner_offers:
        answer = client.request(
            "GET",
            f"{API}offers/?owner={partner.user_id}",
            name="GET offers/?owner=",
            headers=member.auth(),
        )
        member.partner_offers = answer.data["results"]
        if not member.partner_offers:
            return None
    if member.next_start is None:
        member.next_start = _first_start(client, member)
    offer = member.rng.choice(member.partner_offers)
    start = member.next_start
    minutes = int(offer.get("session_minutes") or 60)
    # The next request starts after this one ends, whatever the partner does with it.
    member.next_start = start + dt.timedelta(hours=math.ceil(minutes / 60))
    answer = client.request(
        "POST",
        f"{API}swaps/",
        name="POST swaps/",
        json={"offer_id": offer["id"], "scheduled_start": start.isoformat().replace("+00:00", "Z")},
        headers=member.auth(),
        expect=(201,),
    )
    partner.inbox.append(answer.data["id"])
    return answer.data["id"]


def accept_swaps(client: Client, member: Member, limit: int = 1) -> int:
    """The expert accepts the oldest requests in its inbox (the price moves into escrow)."""
    accepted = 0
    while member.inbox and accepted < limit:
        swap_id = member.inbox.popleft()
        client.request(
            "POST",
            f"{API}swaps/{swap_id}/accept",
            name="POST swaps/{id}/accept",
            json={},
            headers=member.auth(),
        )
        accepted += 1
    return accepted


def transfer(client: Client, member: Member) -> None:
    """One point to the partner, with an Idempotency-Key (the partners pay each other back)."""
    partner = member.partner
    if partner is None or partner.user_id is None:
        return
    client.request(
        "POST",
        f"{API}points/transfer/",
        name="POST points/transfer/",
        json={"to_user_id": partner.user_id, "amount": 1, "note": "load test"},
        headers=member.auth(**{"Idempotency-Key": uuid.uuid4().hex}),
        expect=(200, 201),
    )


# --- chat over the WebSocket -------------------------------------------------------------------


class Socket(Protocol):
    def send(self, text: str) -> None: ...
    def recv(self, timeout: float | None = None) -> str: ...
    def close(self) -> None: ...


def chat(
    connect: Callable[[str], Socket],
    member: Member,
    *,
    timed: Callable[[str, Callable[[], Any]], Any],
    messages: int = 2,
) -> int:
    """Open ``/ws/?token=…`` (seed 003's socket), send ``messages`` to the partner, wait for each
    ``message.ack``; close. ``timed(name, action)`` runs and records one step. Returns the acks."""
    partner = member.partner
    if partner is None or partner.user_id is None:
        return 0
    socket = timed("WS /ws/ connect", lambda: connect(f"/ws/?token={member.access}"))
    acked = 0
    try:
        for number in range(messages):
            client_id = f"{member.index}-{uuid.uuid4().hex[:12]}"
            frame = {
                "type": "message.send",
                "receiver_id": partner.user_id,
                "content": f"Load test message {number + 1} / رسالة اختبار",
                "client_id": client_id,
            }
            timed("WS message.send → ack", lambda f=frame: _send_and_ack(socket, f))
            acked += 1
    finally:
        socket.close()
    return acked


class SocketError(Exception):
    """The socket answered with an error frame or closed before the acknowledgement."""


def _send_and_ack(socket: Socket, frame: dict[str, Any], timeout: float = 30.0) -> dict[str, Any]:
    socket.send(jsonlib.dumps(frame))
    while True:
        event = jsonlib.loads(socket.recv(timeout=timeout))
        if event.get("type") == "message.ack" and event.get("client_id") == frame["client_id"]:
            return event
        if event.get("type") == "error":
            raise SocketError(f"{event.get('code')}: {event.get('message')}")
