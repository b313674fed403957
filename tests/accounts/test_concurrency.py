"""Races on PostgreSQL with real threads: one account per address, one use per refresh token."""

import threading
from collections import Counter

import pytest
from allauth.socialaccount.models import SocialAccount
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from tests.accounts.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def _race(request_for_thread) -> list:
    """Run ``request_for_thread(i)`` in THREADS threads released together; return responses."""
    barrier = threading.Barrier(THREADS)
    responses: list = [None] * THREADS

    def run(index: int) -> None:
        try:
            barrier.wait()
            responses[index] = request_for_thread(index)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def test_concurrent_signups_with_one_address_in_any_case_create_one_account(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth": "1000/min",
        },
    }
    spellings = ["race@example.test", "RACE@example.test", "Race@Example.Test", "race@EXAMPLE.test"]

    responses = _race(
        lambda index: APIClient().post(
            "/api/v1/auth/signup",
            {"email": spellings[index % len(spellings)], "password": "a-long-passphrase-42"},
            format="json",
        )
    )

    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 1, 400: THREADS - 1}
    assert User.objects.count() == 1
    for response in responses:
        if response.status_code == 400:
            assert response.json()["error"]["fields"] == {
                "email": ["An account with this e-mail address already exists."]
            }


def test_a_refresh_token_used_concurrently_is_honoured_once(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth": "1000/min",
        },
    }
    refresh = str(RefreshToken.for_user(UserFactory()))

    responses = _race(
        lambda index: APIClient().post("/api/v1/auth/refresh", {"refresh": refresh}, format="json")
    )

    assert Counter(response.status_code for response in responses) == {200: 1, 401: THREADS - 1}


def test_concurrent_google_sign_ins_create_one_account(google, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth": "1000/min",
        },
    }
    token = google.id_token()

    responses = _race(
        lambda index: APIClient().post("/api/v1/auth/google", {"id_token": token}, format="json")
    )

    statuses = Counter(response.status_code for response in responses)
    assert statuses[201] == 1
    assert statuses[200] == THREADS - 1
    assert User.objects.count() == 1
    assert SocialAccount.objects.count() == 1


def test_concurrent_signups_with_one_username_in_any_case_create_one_account(settings):
    # given auth throttling out of the way and one username spelled in several cases
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth": "1000/min",
        },
    }
    spellings = ["johndoe", "JohnDoe", "JOHNDOE", "johnDOE"]

    # when every thread signs up a different address with that username at once
    responses = _race(
        lambda index: APIClient().post(
            "/api/v1/auth/signup",
            {
                "email": f"racer{index}@example.test",
                "username": spellings[index % len(spellings)],
                "password": "a-long-passphrase-42",
            },
            format="json",
        )
    )

    # then exactly one wins, and every other is told the username is taken
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 1, 400: THREADS - 1}
    assert User.objects.count() == 1
    for response in responses:
        if response.status_code == 400:
            assert response.json()["error"]["fields"] == {"username": ["This username is taken."]}
