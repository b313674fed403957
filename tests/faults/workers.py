"""Real Celery worker processes for the fault tests, on the test database and the test Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
# Short, so that a task a killed worker held returns to the queue within the test's time.
VISIBILITY_TIMEOUT_SECONDS = 3


def database_url() -> str:
    """The URL of the database the test runs in (pytest-django's ``test_…`` database)."""
    db = settings.DATABASES["default"]
    port = f":{db['PORT']}" if db.get("PORT") else ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}{port}/{db['NAME']}"


def process_env(faults_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "development",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": database_url(),
        "DATABASE_POOL_MIN": "1",
        "DATABASE_POOL_MAX": "2",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_SECONDS),
        "EMAIL_BACKEND": "tests.faults.mail.SpoolBackend",
        # A send's lease must lapse before the killed task comes back (messaging e-mails).
        "MESSAGING_EMAIL_LEASE_SECONDS": "1",
        "FAULTS_DIR": str(faults_dir),
        "LOG_LEVEL": "WARNING",
    }
    env.update(extra)
    return env


class Worker:
    """``celery worker`` on one queue, one prefork process, in a process group of its own."""

    def __init__(self, *, queue: str, faults_dir: Path, name: str) -> None:
        self.log = faults_dir / f"{name}.log"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--queues",
            queue,
            "--concurrency",
            "1",
            "--pool",
            "prefork",
            "--hostname",
            f"{name}@%h",
            "--include",
            "tests.faults.tasks",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ]
        self.process = subprocess.Popen(  # noqa: S603
            command,
            cwd=BASE_DIR,
            env=process_env(faults_dir),
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once: no warm or cold shutdown."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(predicate, *, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    detail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n{detail}")
