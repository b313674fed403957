"""The load harness's flows, once each, against Django (no Locust): a changed API breaks CI here,
not in the bench (``tests/benchmarks/load/flows.py``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from demo.scale import PASSWORD, ScalePlan, member_email, scale_seed
from exchanges.models import Swap
from messaging.models import Message
from rewards.models import LedgerAccount
from rewards.selectors import ledger_audit_report
from tests.benchmarks.load import flows


class DjangoClient:
    """``flows.Client`` over Django's test client: an unexpected status fails the test."""

    def __init__(self) -> None:
        self.client = Client()
        self.names: list[str] = []

    def request(
        self,
        method: str,
        path: str,
        *,
        name: str,
        json: Any = None,
        headers: dict[str, str] | None = None,
        expect: Sequence[int] = (200,),
    ) -> flows.Answer:
        body = _dumps(json) if json is not None else None
        response = self.client.generic(
            method, path, data=body or "", content_type="application/json", headers=headers
        )
        assert response.status_code in expect, (name, response.status_code, response.content)
        self.names.append(name)
        return flows.Answer(response.status_code, response.json() if response.content else None)


def _dumps(value: Any) -> str:
    return json.dumps(value)


def _seeded_pair() -> tuple[flows.Member, flows.Member]:
    scale_seed(ScalePlan(users=4, offers=8, threads=2, messages=4))
    return flows.pair(2, member_email, PASSWORD)


@pytest.mark.django_db
def test_every_http_flow_runs_without_a_refusal():
    # given: seed_scale's members 2 (member) and 3 (expert, priced offers), signed in
    requester, expert = _seeded_pair()
    client = DjangoClient()
    flows.sign_in(client, requester)
    flows.sign_in(client, expert)
    balance = LedgerAccount.objects.get(user_id=requester.user_id).balance

    # when: every flow of the mix runs once
    flows.browse(client, requester)
    flows.search(client, requester, "en")
    english_hits = list(requester.seen_offers)
    flows.search(client, requester, "ar")
    flows.view_offer(client, requester)
    swap_id = flows.request_swap(client, requester)
    second_id = flows.request_swap(client, requester)
    accepted = flows.accept_swaps(client, expert, limit=2)
    flows.transfer(client, requester)
    flows.transfer(client, expert)

    # then: each request answered as expected; the swaps are accepted, apart, paid
    assert english_hits
    assert requester.seen_offers
    assert accepted == 2
    assert not expert.inbox
    swaps = list(Swap.objects.filter(pk__in=[swap_id, second_id]).order_by("scheduled_start"))
    assert [swap.status for swap in swaps] == ["accepted", "accepted"]
    assert [swap.kind for swap in swaps] == ["points", "points"]
    assert swaps[1].scheduled_start >= swaps[0].scheduled_end
    price = sum(swap.points_amount for swap in swaps)
    assert LedgerAccount.objects.get(user_id=requester.user_id).balance == balance - price
    assert ledger_audit_report().ok
    # and when: the next run starts afresh (new members' state, the same people)
    again, partner = flows.pair(2, member_email, PASSWORD)
    again.access, again.user_id = requester.access, requester.user_id
    partner.access, partner.user_id = expert.access, expert.user_id
    flows.request_swap(client, again)
    # then: it schedules after the pair's earlier sessions: the accept meets no conflict
    assert flows.accept_swaps(client, partner) == 1
    assert Swap.objects.filter(status="accepted").count() == 3
    assert set(client.names) == {
        "POST auth/login",
        "GET offers/?page=",
        "GET categories/",
        "GET offers/?category=",
        "GET offers/?search= (en)",
        "GET offers/?search= (ar)",
        "GET offers/{id}/",
        "GET offers/?owner=",
        "GET swaps/?role=requester",
        "POST swaps/",
        "POST swaps/{id}/accept",
        "POST points/transfer/",
    }


class CommunicatorSocket:
    """``flows.Socket`` over Channels' communicator, driven from a worker thread."""

    def __init__(self, path: str) -> None:
        self.communicator = WebsocketCommunicator(application, path)
        connected, _ = async_to_sync(self.communicator.connect)(timeout=5)
        assert connected

    def send(self, text: str) -> None:
        async_to_sync(self.communicator.send_to)(text_data=text)

    def recv(self, timeout: float | None = None) -> str:
        return async_to_sync(self.communicator.receive_from)(timeout=timeout or 5)

    def close(self) -> None:
        async_to_sync(self.communicator.disconnect)()


@pytest.mark.django_db(transaction=True)
async def test_chat_flow_sends_over_the_socket_and_is_acknowledged():
    # given: a signed-in pair
    requester, expert = await database_sync_to_async(_seeded_pair)()
    client = DjangoClient()
    await sync_to_async(flows.sign_in)(client, requester)
    await sync_to_async(flows.sign_in)(client, expert)
    before = await database_sync_to_async(Message.objects.count)()
    steps: list[str] = []

    def timed(name: str, action: Any) -> Any:
        steps.append(name)
        return action()

    # when: the chat flow runs
    acked = await sync_to_async(flows.chat, thread_sensitive=False)(
        CommunicatorSocket, requester, timed=timed
    )

    # then: two messages stored and acknowledged, each step reported
    assert acked == 2
    assert await database_sync_to_async(Message.objects.count)() == before + 2
    assert steps == ["WS /ws/ connect", "WS message.send → ack", "WS message.send → ack"]
