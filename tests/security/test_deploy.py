"""``manage.py check --deploy`` under the production environment, in a process of its own."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from django.conf import settings

PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "DJANGO_ALLOWED_HOSTS": "skillswap.example",
    "DATABASE_URL": "postgres://skillswap:secret@db.internal:5432/skillswap",
    "REDIS_URL": "redis://redis.internal:6379/0",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_under_production_settings():
    # given the production environment; when Django's deployment checklist runs
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)

    # then it finds nothing
    assert (result.returncode, result.stdout.strip()) == (
        0,
        "System check identified no issues (0 silenced).",
    ), result.stderr[-2000:]


def test_production_refuses_the_embedded_secret_key_and_debug():
    # given production without a secret key and with DEBUG asked for
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}

    # when any command starts
    result = manage("check", **env, DJANGO_DEBUG="true")

    # then it refuses, naming both problems
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be off in production" in result.stderr
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
