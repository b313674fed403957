"""gunicorn's settings for SkillSwap's HTTP: the API, the site and the admin (not ``/ws/``).

Production serves HTTP from WSGI gthread workers and only ``/ws/`` from uvicorn (ASGI), the proxy
routing by path: a sync DRF view under ASGI pays two to three loop/thread hops per request, measured
at 1.5-3x the CPU per request of the same answer through gthread (docs/benchmarks.md, "WSGI or
ASGI for the REST API").

    gunicorn --config deploy/gunicorn.conf.py config.wsgi:application

Both ``scripts/cluster`` and ``docker-compose.yml`` run exactly that command; what differs per
host comes from the environment:

- ``WEB_BIND`` (default ``0.0.0.0:8000``);
- ``WEB_WORKERS`` processes (default: the CPUs this process may use), ``WEB_THREADS`` threads
  each (default 4). Each thread holds at most one pooled database connection, so the start-up
  refuses ``WEB_THREADS`` above ``DATABASE_POOL_MAX`` (a thread would otherwise wait for a
  connection and answer 503 under load);
- ``WEB_FORWARDED_ALLOW_IPS``: the proxy's addresses (default ``127.0.0.1``);
- ``WEB_ACCESS_LOG``: a path or ``-`` for an access log (default none; nginx can keep one).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


wsgi_app = "config.wsgi:application"
bind = [os.environ.get("WEB_BIND", "0.0.0.0:8000")]
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS") or _cores())
threads = int(os.environ.get("WEB_THREADS") or 4)

# Graceful recycling: each worker is replaced after 5,000 requests (plus up to 500, so the workers
# of one replica never restart together); a replaced worker finishes its requests first.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS") or 5000)
max_requests_jitter = int(os.environ.get("WEB_MAX_REQUESTS_JITTER") or 500)
# A worker silent for `timeout` seconds is killed and replaced (with gthread the main loop beats,
# so one slow request does not trigger it); on SIGTERM/SIGHUP workers get `graceful_timeout`.
timeout = 30
graceful_timeout = 30
# Keep-alive behind nginx: the proxy reuses its upstream connections (`keepalive` in
# deploy/nginx.conf.template) and closes an idle one after 60 s. gunicorn must wait longer, or it
# may close a connection at the instant nginx sends a request on it, which nginx cannot retry
# for a POST.
keepalive = 75

forwarded_allow_ips = os.environ.get("WEB_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "warning").lower()
# The heartbeat file in memory where there is a memory file system (containers' /app is not).
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108
# gunicorn >= 24 opens a control socket at one path per user ($HOME/.gunicorn/gunicorn.ctl): two
# replicas on one host would fight over it, and nothing here uses it.
control_socket_disable = True


def pool_problem(pool_max: int | None, threads: int) -> str | None:
    """Say why ``threads`` threads cannot each hold a pooled connection, or None if they can."""
    if pool_max is not None and pool_max < threads:
        return (
            f"DATABASE_POOL_MAX is {pool_max} but each gunicorn worker runs {threads} threads "
            f"(WEB_THREADS): set DATABASE_POOL_MAX to at least {threads}, or lower WEB_THREADS"
        )
    return None


def on_starting(server: Any) -> None:
    """Refuse to start when a worker's threads outnumber its database pool."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings

    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    pool_max = pool.get("max_size") if isinstance(pool, dict) else None
    problem = pool_problem(pool_max, server.cfg.threads)
    if problem:
        server.log.error("%s", problem)
        raise SystemExit(f"gunicorn: {problem}")
