"""A web replica SIGKILLed under load: the proxy routes around it and no write is lost or doubled.

Two real replicas (gunicorn gthread on ``config.wsgi``, production settings, the test database
and the test Redis) behind a real nginx rendered from deploy/nginx.conf.template. Twelve members
load it at once, each in a thread: points transfers with an ``Idempotency-Key``, accepts of paid
swaps (escrow holds), one paid event booking each, and reads. Midway the first replica's whole
process group (master and workers) is SIGKILLed. Then:

- every answer was a success, an expected refusal (a 409 of the API), or a clean error (the
  proxy's 502/503/504 or the API's error shape); no 500, nothing hung past the client's timeout;
- reads were retried by the proxy (``proxy_next_upstream``): none failed;
- a write the proxy answered 502 was sent again by its client with the same key and body, and
  every write ended exactly once in the database (a transfer per key, a hold per accepted swap,
  one booking per member);
- ``ledger_audit`` finds nothing, no member's bookings overlap, the event's seats never exceed its
  capacity and its seat row agrees with its bookings;
- the surviving replica answers every kind of request afterwards.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework_simplejwt.tokens import AccessToken

from tests.faults.load import (
    PROXY_ERRORS,
    Answer,
    ApiClient,
    Journal,
    Nginx,
    Replica,
    is_clean_error,
    refused,
    replica_env,
)
from tests.faults.workers import wait_for

pytestmark = [
    pytest.mark.timeout(600),
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

CLIENTS = 12
SWAPS_PER_EXPERT = 6
PRICE = 5
EVENT_CAPACITY = 5
# The kill comes once the load has answered this many writes; the load goes on after it for
# AFTER_KILL_SECONDS.
WRITES_BEFORE_KILL = 40
AFTER_KILL_SECONDS = 6.0


@dataclass
class Member:
    user_id: int
    token: str
    swap_ids: list[int]
    transfers: dict[str, Answer] = field(default_factory=dict)  # key → final answer
    accepts: dict[int, tuple[Answer, list[Answer]]] = field(default_factory=dict)
    booking: tuple[Answer, list[Answer]] | None = None


def _world() -> tuple[list[Member], int, list[tuple[int, int]]]:
    """Members who are experts with pending paid swaps (one pair overlapping per expert), a paid
    event; returns the members, the event id and the overlapping pairs."""
    from exchanges.models import Swap
    from rewards.services import points_grant
    from tests.community.events.factories import make_event
    from tests.exchanges.factories import at, expert
    from tests.rewards.factories import funded_user, granter

    event = make_event(capacity=EVENT_CAPACITY, price_points=PRICE)
    members, pairs = [], []
    base = at(72)
    for index in range(CLIENTS):
        user = expert(email=f"kill-expert-{index}@example.test")
        # Points the member transfers and pays the event with, granted by staff.
        points_grant(user=user, amount=500, reason="test funding", granted_by=granter())
        requester = funded_user(PRICE * (SWAPS_PER_EXPERT + 1))
        starts = [base + dt.timedelta(hours=2 * n) for n in range(SWAPS_PER_EXPERT)]
        # The second request asks for the same hour as the first: it is refused (409).
        starts.insert(1, starts[0])
        swaps = Swap.objects.bulk_create(
            Swap(
                requester=requester,
                responder=user,
                kind=Swap.Kind.POINTS,
                points_amount=PRICE,
                title=f"Kill {index}.{n}",
                scheduled_start=start,
                scheduled_end=start + dt.timedelta(minutes=45),
            )
            for n, start in enumerate(starts)
        )
        pairs.append((swaps[0].pk, swaps[1].pk))
        members.append(
            Member(user.pk, str(AccessToken.for_user(user)), [swap.pk for swap in swaps])
        )
    return members, event.pk, pairs


def _drive(
    client: ApiClient, me: Member, others: list[Member], event_id: int, stop: threading.Event
) -> None:
    """One member's loop: transfer, read, accept, read, (book once), read; until ``stop``."""
    step = 0
    while not stop.is_set():
        target = others[step % len(others)]
        key = uuid.uuid4().hex
        final, _history = client.write(
            "transfer",
            "points/transfer/",
            json={"to_user_id": target.user_id, "amount": 1, "note": "load"},
            headers={"Idempotency-Key": key},
        )
        me.transfers[key] = final
        client.read("balance", "points/balance/")
        if step < len(me.swap_ids):
            swap_id = me.swap_ids[step]
            me.accepts[swap_id] = client.write("accept", f"swaps/{swap_id}/accept/", json={})
        client.read("swaps", "swaps/?page_size=5")
        if me.booking is None:
            me.booking = client.write("book", f"events/{event_id}/book/", json={})
        client.read("offers", "offers/?page_size=5")
        step += 1


def _overlapping_bookings() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM exchanges_sessionbooking a JOIN exchanges_sessionbooking b"
            " ON a.user_id = b.user_id AND a.id < b.id"
            " AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
        )
        return cursor.fetchone()[0]


def _overlapping_accepted_swaps() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH parties AS ("
            " SELECT id, requester_id AS member, scheduled_start, scheduled_end"
            " FROM exchanges_swap WHERE status = 'accepted'"
            " UNION ALL SELECT id, responder_id, scheduled_start, scheduled_end"
            " FROM exchanges_swap WHERE status = 'accepted')"
            " SELECT count(*) FROM parties a JOIN parties b ON a.member = b.member AND a.id < b.id"
            " AND a.scheduled_start < b.scheduled_end AND b.scheduled_start < a.scheduled_end"
        )
        return cursor.fetchone()[0]


def test_a_replica_killed_under_load_loses_no_write_and_the_proxy_routes_around_it(
    tmp_path: Path,
):
    from community.events.models import EventBooking, EventSeats
    from exchanges.models import SessionBooking, Swap
    from rewards.models import Transfer
    from rewards.selectors import ledger_audit_report

    # given two replicas behind nginx and twelve members with work to do
    began = time.monotonic()
    members, event_id, pairs = _world()
    marks = {"world": time.monotonic() - began}
    env = replica_env(tmp_path)
    # One gthread worker (4 threads) per replica: two Django start-ups instead of four on a loaded
    # machine; the kill takes the whole process group (master and workers) either way.
    replicas = [
        Replica(f"replica{index}", faults_dir=tmp_path, env=env, workers=1) for index in range(2)
    ]
    proxy = None
    journal = Journal()
    clients: list[ApiClient] = []
    try:
        for replica in replicas:
            replica.wait_ready()
        marks["replicas"] = time.monotonic() - began
        proxy = Nginx(directory=tmp_path / "nginx", http=[f"127.0.0.1:{r.port}" for r in replicas])
        clients = [ApiClient(proxy.url, member.token, journal) for member in members]
        stop = threading.Event()
        threads = [
            threading.Thread(
                target=_drive,
                args=(client, me, [m for m in members if m is not me], event_id, stop),
                daemon=True,
            )
            for client, me in zip(clients, members, strict=True)
        ]

        # when the load runs and the first replica is SIGKILLed midway
        for thread in threads:
            thread.start()
        wait_for(
            lambda: sum(1 for a in journal.answers if a.kind == "write") >= WRITES_BEFORE_KILL,
            timeout=120,
            what="the load to get going",
            log=replicas[0].log,
        )
        served_before_kill = replicas[0].served()
        replicas[0].kill()
        marks["kill"] = time.monotonic() - began
        time.sleep(AFTER_KILL_SECONDS)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads), "a client hung"

        # then the dead replica is gone and the survivor answers every kind of request
        assert refused(replicas[0].port)
        survivor = ApiClient(proxy.url, members[0].token, journal)
        after = [
            survivor.read("after", "points/balance/").status,
            survivor.read("after", "swaps/?page_size=5").status,
            survivor.read("after", "offers/?page_size=5").status,
            survivor.read("after", "health/").status,
            survivor.write(
                "after",
                "points/transfer/",
                json={"to_user_id": members[1].user_id, "amount": 1},
                headers={"Idempotency-Key": "after-the-kill"},
            )[0].status,
        ]
        assert after == [200, 200, 200, 200, 201]
        served_after_kill = replicas[1].served()
        marks["load"] = time.monotonic() - began
    finally:
        for client in clients:
            client.close()
        if proxy is not None:
            proxy.stop()
        for replica in replicas:
            replica.stop()

    answers = journal.answers
    outcomes = Counter((a.kind, a.label, a.outcome) for a in answers)
    codes = Counter(a.body["error"]["code"] for a in answers if a.status == 409)
    print(f"\nseconds since the start: {marks}")
    print(f"outcomes: {sorted(outcomes.items())}\n409 codes: {dict(codes)}")

    # every answer is a success, an expected refusal or a clean error; none hung, none is a 500
    assert [a for a in answers if a.error == "timeout"] == []
    assert {a.status for a in answers if a.status is not None} <= {200, 201, 409, *PROXY_ERRORS}
    assert [a for a in answers if a.status == 409 and not is_clean_error(a)] == []
    # the proxy retried the reads the dead replica dropped; the only read that may fail is one
    # whose head the replica had already sent when it died (a cut connection, not an error page)
    failed_reads = [a for a in answers if a.kind == "read" and a.status != 200]
    assert all(a.broken for a in failed_reads), failed_reads
    assert len(failed_reads) <= 2, failed_reads
    # the kill hit a busy replica (the proxy saw requests die) and the survivor took the load
    assert f"127.0.0.1:{replicas[0].port}" in proxy.error_log.read_text()
    assert sum(served_before_kill.values()) > 0
    assert sum(served_after_kill.values()) > 0
    # every interrupted write was sent again until it had an answer
    assert [a for a in answers if a.kind == "write" and a.status is None and not a.broken] == []
    finals = [
        *(final for m in members for final in m.transfers.values()),
        *(final for m in members for final, _earlier in m.accepts.values()),
        *(m.booking[0] for m in members if m.booking),
    ]
    assert [a for a in finals if a.status is None or a.status in PROXY_ERRORS] == []

    # every transfer ended 201 (the first answer or a replay) and is in the ledger exactly once
    keys = [f"api:points-transfer:{m.user_id}:{key}" for m in members for key in m.transfers]
    assert {a.status for m in members for a in m.transfers.values()} == {201}
    assert Counter(
        Transfer.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True)
    ) == Counter(keys)
    payers = [m.user_id for m in members]
    assert (
        Transfer.objects.filter(reason="transfer", initiated_by__in=payers).count() == len(keys) + 1
    )  # the survivor's check above

    # every accept ended once: accepted with one escrow hold and two bookings, or refused
    # (409) because its hour clashed, or because an earlier attempt was committed before the
    # proxy's 502 or the cut connection
    for member in members:
        for swap_id, (final, earlier) in member.accepts.items():
            swap = Swap.objects.get(pk=swap_id)
            accepted = swap.status == Swap.Status.ACCEPTED
            assert final.status in {200, 409}, final
            if final.status == 409 and accepted:
                assert any(a.status in PROXY_ERRORS or a.broken for a in earlier), final
            if not accepted:
                assert swap.status == Swap.Status.PENDING
                assert final.status == 409
            assert Transfer.objects.filter(
                reference=f"swap:{swap_id}", reason="swap_escrow"
            ).count() == (1 if accepted else 0)
            assert SessionBooking.objects.filter(swap_id=swap_id).count() == (2 if accepted else 0)
    for pair in pairs:
        assert Swap.objects.filter(pk__in=pair, status=Swap.Status.ACCEPTED).count() <= 1

    # every member holds exactly one booking of the event; the seats never exceed its capacity
    for member in members:
        final, earlier = member.booking
        assert final.status in {201, 409}, final
        if final.status == 409:
            assert any(a.status in PROXY_ERRORS or a.broken for a in earlier), final
        active = EventBooking.objects.filter(event_id=event_id, member_id=member.user_id).exclude(
            status=EventBooking.Status.CANCELLED
        )
        assert active.count() == 1
    confirmed = EventBooking.objects.filter(
        event_id=event_id, status=EventBooking.Status.CONFIRMED
    ).count()
    assert confirmed == EVENT_CAPACITY
    assert EventSeats.objects.get(event_id=event_id).confirmed == confirmed

    # and afterwards the ledger balances and no member's bookings overlap
    report = ledger_audit_report()
    assert report.ok, report
    audit = StringIO()
    call_command("ledger_audit", stdout=audit)
    assert audit.getvalue().rstrip().endswith("Ledger OK.")
    assert _overlapping_bookings() == 0
    assert _overlapping_accepted_swaps() == 0
