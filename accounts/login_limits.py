"""Failed sign-ins counted per account in the shared cache (Redis in production).

DRF's throttles count per IP; an attacker with many addresses walks straight past them
(docs/pitfalls.md, ASVS V2.2.1). This counts attempts per account, whoever sends them and whatever
name they type for it (the e-mail address in any case, or the username): the key is
``login_key(user, typed)``, the account's id when the name is known.

- the first ``LOGIN_FAILURE_LIMIT - 1`` failures cost nothing;
- the attempt that reaches the limit locks the account's sign-in for ``LOGIN_LOCKOUT_SECONDS``,
  and every later failure doubles the lock, up to ``LOGIN_LOCKOUT_MAX_SECONDS``;
- while locked, every attempt is refused before the password is even checked (a right guess
  during the lock would otherwise still tell the attacker it was right);
- when a lock ends exactly one attempt may go through, and it re-arms a longer lock first, so a
  burst of parallel requests gets one guess, not one each;
- a successful sign-in (or a password reset) clears the count; the count otherwise expires
  ``LOGIN_FAILURE_WINDOW_SECONDS`` after the last failure.

Unknown names are counted the same way (keyed by the lower-cased name typed), so the limit reveals
nothing about which exist.
Counting is one atomic ``incr``/``add`` on the cache, shared by every replica.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache


class LoginLocked(Exception):
    def __init__(self, wait: int) -> None:
        self.wait = wait
        super().__init__(wait)


def login_key(user_id: int | None, typed: str) -> str:
    """The counter's key: the account when one matched, else the name typed (lower-cased)."""
    if user_id is not None:
        return f"user:{user_id}"
    return "name:" + typed.strip().lower()


def _keys(key: str) -> tuple[str, str]:
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"accounts:login:failures:{digest}", f"accounts:login:lock:{digest}"


def _locked_for(lock_key: str, now: float) -> int:
    until = cache.get(lock_key)
    if until is None or until <= now:
        return 0
    return max(1, math.ceil(until - now))


def attempt_begin(key: str) -> None:
    """Count a sign-in attempt for ``key`` (see ``login_key``); raise LoginLocked if locked."""
    failures_key, lock_key = _keys(key)
    now = time.time()
    wait = _locked_for(lock_key, now)
    if wait:
        raise LoginLocked(wait)
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    cache.add(failures_key, 0, timeout=window)
    try:
        attempts = cache.incr(failures_key)
    except ValueError:  # expired between add() and incr()
        cache.add(failures_key, 1, timeout=window)
        attempts = 1
    cache.touch(failures_key, timeout=window)
    limit = settings.LOGIN_FAILURE_LIMIT
    if attempts < limit:
        return
    seconds = min(
        settings.LOGIN_LOCKOUT_SECONDS * 2 ** (attempts - limit),
        settings.LOGIN_LOCKOUT_MAX_SECONDS,
    )
    # Only the request that arms the lock goes on to check its password.
    if not cache.add(lock_key, now + seconds, timeout=seconds):
        raise LoginLocked(_locked_for(lock_key, now) or 1)


def attempt_succeeded(key: str) -> None:
    """The password was right (or was reset): forget the failures counted under ``key``."""
    cache.delete_many(list(_keys(key)))
