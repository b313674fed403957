"""One settings tree, two runtimes, chosen by the environment alone."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAFE_KEY = "k" * 20 + "-production-secret-for-tests-0123456789"

PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "pool": "pool" in settings.DATABASES["default"].get("OPTIONS", {}),
    "cache": settings.CACHES["default"]["BACKEND"],
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "email": settings.EMAIL_BACKEND,
    "debug": settings.DEBUG,
    "media": str(settings.MEDIA_ROOT),
}))
"""


def _run(env: dict[str, str], code: str = PROBE, *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    clean.pop("REDIS_URL", None)
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", **env})
    command = [sys.executable, "-c", code] if not args else [sys.executable, *args]
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        command, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120, check=False
    )


def _settings(env: dict[str, str]) -> dict:
    result = _run(env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_environment_gives_the_embedded_runtime(tmp_path):
    chosen = _settings({"SKILLSWAP_VAR_DIR": str(tmp_path)})

    assert chosen == {
        "engine": "django.db.backends.sqlite3",
        "pool": False,
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "layer": "channels.layers.InMemoryChannelLayer",
        "eager": True,
        "broker": "memory://",
        "email": "django.core.mail.backends.console.EmailBackend",
        "debug": True,
        "media": str(tmp_path / "media"),
    }


def test_service_urls_give_the_distributed_runtime():
    chosen = _settings(
        {
            "DATABASE_URL": "postgres://u:p@db.internal:5432/skillswap",
            "REDIS_URL": "redis://r:6379/0",
        }
    )

    assert chosen["engine"] == "django.db.backends.postgresql"
    assert chosen["pool"] is True
    # Django's Redis cache, reusing one redis-py client per pool (config/cache.py)
    assert chosen["cache"] == "config.cache.RedisCache"
    assert chosen["layer"] == "channels_redis.core.RedisChannelLayer"
    assert chosen["eager"] is False
    assert chosen["broker"] == "redis://r:6379/0"


PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": SAFE_KEY,
    "DJANGO_ALLOWED_HOSTS": "skillswap.example.org",
    "DATABASE_URL": "postgres://u:p@db.internal:5432/skillswap",
    "REDIS_URL": "redis://r:6379/0",
}


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"DJANGO_DEBUG": "1"}, "DJANGO_DEBUG must be off"),
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS must list"),
        ({"DATABASE_URL": ""}, "DATABASE_URL must point at PostgreSQL"),
        ({"REDIS_URL": ""}, "REDIS_URL must be set"),
    ],
)
def test_production_refuses_an_unsafe_configuration(override, complaint):
    env = {**PRODUCTION, **override}
    env = {k: v for k, v in env.items() if v != ""}

    result = _run(env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert complaint in result.stderr


def test_production_is_safe_and_passes_check_deploy():
    chosen = _settings(PRODUCTION)
    assert chosen["debug"] is False

    result = _run(PRODUCTION, "", "manage.py", "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
