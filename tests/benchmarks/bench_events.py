"""Events: 200 members book one event of capacity 10 at the same instant, over HTTP.

A real server process tree on loopback (gunicorn with gthread workers and uvicorn with ASGI
workers, DEBUG off, ``DJANGO_ENV=production``, PostgreSQL and Redis; the same commands as
``bench_http.py``). The load comes from a separate process: ``CONNECTIONS`` (200) sockets are
opened first, then every one sends its member's ``POST events/{id}/book`` at once. Per round:
confirmed seats afterwards (must equal the capacity, 10), waiting places (190), other answers
(must be 0) and the time until the last answer. ``BENCH_EVENTS_ROUNDS`` (default 3),
``BENCH_EVENTS_SERVERS`` (default ``gunicorn-gthread,uvicorn``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from typing import Any

from tests.benchmarks import bench_http

CONNECTIONS = int(os.environ.get("BENCH_EVENTS_REQUESTS", "200"))
CAPACITY = int(os.environ.get("BENCH_EVENTS_CAPACITY", "10"))
ROUNDS = int(os.environ.get("BENCH_EVENTS_ROUNDS", "3"))
SERVERS = os.environ.get("BENCH_EVENTS_SERVERS", "gunicorn-gthread,uvicorn").split(",")
DOMAIN = "bench-events.test"


# --- the load client (its own process: ``python -m tests.benchmarks.bench_events '<json>'``) ----


async def _race(spec: dict) -> dict:
    opened = []
    for _ in spec["tokens"]:
        opened.append(await asyncio.open_connection("127.0.0.1", spec["port"]))
    requests = [
        bench_http._request_bytes(
            {
                "method": "POST",
                "path": spec["path"],
                "host": "127.0.0.1",
                "headers": {"Authorization": f"Bearer {token}", "Connection": "close"},
                "body": "{}",
            }
        )
        for token in spec["tokens"]
    ]

    async def one(index: int) -> int:
        reader, writer = opened[index]
        writer.write(requests[index])
        await writer.drain()
        try:
            status, _close = await bench_http._read_response(reader)
        finally:
            writer.close()
        return status

    started = time.perf_counter()
    results = await asyncio.gather(*(one(i) for i in range(len(opened))), return_exceptions=True)
    elapsed = time.perf_counter() - started
    statuses = Counter(
        str(result) if isinstance(result, int) else type(result).__name__ for result in results
    )
    return {"statuses": dict(statuses), "seconds": elapsed}


def _client_main(raw: str) -> None:
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    print(json.dumps(asyncio.run(_race(json.loads(raw)))), flush=True)


# --- the bench ----------------------------------------------------------------------------------


def _members(count: int) -> list[Any]:
    """``count`` bench members (created once, no password), in id order."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User

    password = make_password(None)
    emails = [f"booker{index}@{DOMAIN}" for index in range(count)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    User.objects.bulk_create(
        [
            User(email=email, first_name="Bench", last_name="Booker", password=password)
            for email in emails
            if email not in existing
        ]
    )
    return list(User.objects.filter(email__in=emails).order_by("pk"))


def _event(tag: str) -> Any:
    """A fresh free event of ``CAPACITY`` seats, published under the English events index."""
    import datetime as dt

    from django.utils import timezone
    from wagtail.models import Locale, Page

    from accounts.models import User
    from community.events.models import EventIndexPage, EventPage

    english = Locale.objects.get(language_code="en")
    index = EventIndexPage.objects.filter(locale=english).first()
    if index is None:
        home = Page.objects.filter(depth=2, locale=english).first()
        index = EventIndexPage(title="Events", slug="events")
        home.add_child(instance=index)
        index.save_revision().publish()
    host, _ = User.objects.get_or_create(
        email=f"host@{DOMAIN}", defaults={"first_name": "Bench", "last_name": "Host"}
    )
    start = timezone.now() + dt.timedelta(days=7)
    event = EventPage(
        title=f"Bench race {tag}",
        slug=f"bench-race-{tag}",
        host=host,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=CAPACITY,
        venue="Loopback hall",
    )
    index.add_child(instance=event)
    event.save_revision().publish()
    return event


def _race_once(port: int, event_id: int, tokens: list[str]) -> dict:
    spec = {"port": port, "path": f"/api/v1/events/{event_id}/book", "tokens": tokens}
    output = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-m", "tests.benchmarks.bench_events", json.dumps(spec)],
        cwd=bench_http.ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def run(report: Any) -> None:
    from rest_framework_simplejwt.tokens import AccessToken

    from community.events.models import EventBooking, EventSeats

    members = _members(CONNECTIONS)
    env = {
        **bench_http._env(),
        # Every booking is a real request through the throttles, which never refuse the race.
        "THROTTLE_USER": "1000000/hour",
    }
    for kind in SERVERS:
        app = bench_http._apps(kind)[0]
        with bench_http.serve(kind, app, env, "/api/v1/health/") as server:
            confirmed_counts, seconds, others = [], [], 0
            for _round in range(ROUNDS):
                event = _event(uuid.uuid4().hex[:8])
                tokens = [str(AccessToken.for_user(member)) for member in members]
                result = _race_once(server.port, event.pk, tokens)
                statuses = Counter(result["statuses"])
                others += sum(count for status, count in statuses.items() if status != "201")
                confirmed = EventBooking.objects.filter(event=event, status="confirmed").count()
                waiting = EventBooking.objects.filter(event=event, status="waitlisted").count()
                seats = EventSeats.objects.get(event=event)
                if (confirmed, seats.confirmed) != (CAPACITY, CAPACITY):
                    raise AssertionError(
                        f"{kind}: {confirmed} confirmed bookings, counter {seats.confirmed}, "
                        f"capacity {CAPACITY}"
                    )
                confirmed_counts.append(confirmed)
                seconds.append(result["seconds"])
                print(
                    f"  {kind}: {CONNECTIONS} bookings → confirmed {confirmed}, waiting {waiting},"
                    f" statuses {dict(statuses)}, {result['seconds']:.2f} s",
                    flush=True,
                )
            report.add(
                f"{CONNECTIONS} concurrent bookings, capacity {CAPACITY}, {kind}: confirmed seats",
                max(confirmed_counts),
                "seats",
                note=f"every round {confirmed_counts}; non-201 answers {others}",
            )
            report.add(
                f"{CONNECTIONS} concurrent bookings, {kind}: time to the last answer (median)",
                sorted(seconds)[len(seconds) // 2],
                "s",
                note=f"{ROUNDS} rounds, {bench_http.WORKERS} workers",
            )


if __name__ == "__main__":
    _client_main(sys.argv[1])
