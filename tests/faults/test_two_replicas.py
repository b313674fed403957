"""Throttles and the sign-in lock hold across two replicas (docs/pitfalls.md, throttling).

Two real uvicorn servers on the test database and the test Redis; requests alternate between
them. The auth scope allows 10 requests a minute per address: the 11th is a 429 whichever replica
gets it. Five failed sign-ins lock the account on both: the right password is then refused too.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.faults.workers import BASE_DIR, process_env, wait_for

pytestmark = [
    # Two servers start per test (a minute each on a loaded 2-core machine).
    pytest.mark.timeout(900),
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


def start_of_a_fresh_minute() -> None:
    """Sleep until a new minute starts if less than 30 s of this one remain."""
    into = time.time() % 60
    if into > 30:
        time.sleep(60 - into + 0.2)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/api/v1/health/", timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture
def replicas(tmp_path: Path):
    servers, urls = [], []
    for index in range(2):
        port = free_port()
        log = tmp_path / f"replica{index}.log"
        env = process_env(
            tmp_path,
            THROTTLE_AUTH="10/min",
            LOGIN_FAILURE_LIMIT="5",
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        )
        servers.append(
            subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "config.asgi:application",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--no-access-log",
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
        )
        urls.append((f"http://127.0.0.1:{port}", log))
    for url, log in urls:
        wait_for(lambda url=url: answers(url), timeout=90, what=f"{url} to answer", log=log)
    yield [url for url, _log in urls]
    for server in servers:
        server.terminate()
        server.wait(timeout=15)


def member(email: str):
    """A member whose password the replicas can check (PBKDF2; the test settings use MD5)."""
    user = UserFactory(email=email)
    user.password = PBKDF2PasswordHasher().encode(DEFAULT_PASSWORD, "replicasalt")
    user.save(update_fields=["password"])
    return user


def sign_in(url: str, email: str, password: str) -> requests.Response:
    return requests.post(
        f"{url}/api/v1/auth/login/", json={"email": email, "password": password}, timeout=10
    )


def test_the_eleventh_auth_request_in_a_minute_is_a_429_on_either_replica(replicas):
    # given two replicas sharing Redis (names nobody has: the per-account lock stays out of it),
    # and a fresh fixed window: the throttle counts per calendar minute (config/api/throttling.py),
    # so twelve requests must not straddle a minute's end
    start_of_a_fresh_minute()

    # when eleven sign-ins alternate between the replicas
    statuses = [
        sign_in(replicas[index % 2], f"nobody{index}@example.test", "guess").status_code
        for index in range(11)
    ]
    twelfth = sign_in(replicas[1], "nobody-else@example.test", "guess")

    # then ten are answered and the eleventh and twelfth, on different replicas, are throttled
    assert statuses == [401] * 10 + [429]
    assert twelfth.status_code == 429
    assert int(twelfth.headers["Retry-After"]) > 0


def test_failed_sign_ins_lock_the_account_on_both_replicas(replicas):
    # given a member whose password is guessed wrong five times, alternating replicas
    user = member("guessed@example.test")
    failures = [
        sign_in(replicas[index % 2], user.email, "wrong-password").status_code for index in range(5)
    ]

    # when the right password arrives on each replica
    right = [sign_in(url, user.email, DEFAULT_PASSWORD) for url in replicas]

    # then both refuse it while the lock lasts
    assert failures[:4] == [401] * 4
    assert [response.status_code for response in right] == [429, 429]
    assert {response.json()["error"]["code"] for response in right} == {
        right[0].json()["error"]["code"]
    }
    assert settings.REDIS_URL
