"""Real serving processes and a small load client for the fault tests under load.

- ``Replica``, ``AsgiServer``, ``CeleryWorker``: the web replica (gunicorn gthread on
  ``config.wsgi``, deploy/gunicorn.conf.py), the ``/ws/`` server (uvicorn) and a worker, with the
  commands scripts/cluster runs, each in a process group of its own so that a test can SIGKILL a
  master and its workers at once.
- ``Nginx``: the proxy rendered from deploy/nginx.conf.template exactly as scripts/cluster renders
  it (``user root;`` when root, its own temp paths), run in the foreground (``daemon off``).
- ``RedisServer``: a private ``redis-server`` on a free port (never the shared one).
- ``ApiClient``: one member's HTTP session with a hard timeout; ``write`` retries a request the
  proxy answered 502/503/504 (or whose connection broke) with the same body and headers, so a
  client keeps its ``Idempotency-Key`` across attempts.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock
from typing import Any

import requests

from tests.faults.workers import BASE_DIR, process_env, wait_for

# A request that takes longer than this is a hang (the answer is recorded as "timeout").
CLIENT_TIMEOUT_SECONDS = 15.0
# The proxy's clean errors: a replica died under the request, or none could be reached.
PROXY_ERRORS = frozenset({502, 503, 504})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(url: str, *, expect: int = 200) -> bool:
    try:
        return requests.get(url, timeout=3).status_code == expect
    except requests.RequestException:
        return False


def refused(port: int) -> bool:
    """Nothing listens on ``port`` any more."""
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) != 0


class Group:
    """A child process in a new session (its own process group), output to ``log``."""

    def __init__(self, command: list[str], *, log: Path, env: dict[str, str] | None = None):
        self.log = log
        self.process = subprocess.Popen(  # noqa: S603 - our own programs
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def kill(self) -> None:
        """SIGKILL the whole group (master and workers) at once: no shutdown of any kind."""
        self.signal_group(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.running:
            self.signal_group(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        # Workers a master left behind, if any.
        self.signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)


def replica_env(faults_dir: Path, *, redis_url: str | None = None, **extra: str) -> dict[str, str]:
    """A replica's environment: production settings on the test database (and Redis)."""
    from django.conf import settings

    values = {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": "faults-" + "x" * 60,
        # The test signs its members' access tokens with its own key.
        "JWT_SIGNING_KEY": settings.SIMPLE_JWT["SIGNING_KEY"],
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "NUM_PROXIES": "1",
        "DATABASE_POOL_MAX": "4",
        "STATIC_ROOT": str(faults_dir / "static"),
        "MEDIA_ROOT": str(faults_dir / "media"),
        **extra,
    }
    env = process_env(faults_dir, **values)
    env.pop("DJANGO_DEBUG", None)  # production refuses an explicit DJANGO_DEBUG
    if redis_url is not None:
        env["REDIS_URL"] = env["CELERY_BROKER_URL"] = redis_url
    return env


class Replica(Group):
    """One web replica: ``gunicorn --config deploy/gunicorn.conf.py config.wsgi:application``,
    the command scripts/cluster and docker-compose.yml run (gthread workers; docs/benchmarks.md,
    "WSGI or ASGI"), with its access log kept to see which requests it answered."""

    def __init__(self, name: str, *, faults_dir: Path, env: dict[str, str], workers: int = 2):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.access_log = faults_dir / f"{name}.access.log"
        env = {
            **env,
            "WEB_BIND": f"127.0.0.1:{self.port}",
            "WEB_WORKERS": str(workers),
            "WEB_THREADS": "4",
            "WEB_ACCESS_LOG": str(self.access_log),
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(BASE_DIR / "deploy" / "gunicorn.conf.py"),
            "config.wsgi:application",
        ]
        super().__init__(command, log=faults_dir / f"{name}.log", env=env)

    def wait_ready(self, timeout: float = 120) -> None:
        wait_for(
            lambda: self._ready(), timeout=timeout, what=f"{self.name} to answer", log=self.log
        )

    def _ready(self) -> bool:
        if not self.running:
            raise AssertionError(f"{self.name} exited:\n{self.log.read_text(errors='replace')}")
        return answers(f"{self.url}/api/v1/health/")

    def served(self) -> Counter:
        """(method, path) → how many requests this replica answered (its access log)."""
        if not self.access_log.exists():
            return Counter()
        return Counter(_REQUEST_LINE.findall(self.access_log.read_text(errors="replace")))


# gunicorn's default access log format quotes the request line: "GET /api/v1/… HTTP/1.1".
_REQUEST_LINE = re.compile(r'"([A-Z]+) (\S+) HTTP/[0-9.]+"')


def render_nginx(*, directory: Path, listen: str, http: list[str], ws: list[str]) -> Path:
    """nginx.conf as scripts/cluster's ``render_nginx`` writes it, in the foreground."""
    temp = directory / "nginx-temp"
    temp.mkdir(parents=True, exist_ok=True)
    for name in ("static", "media"):
        (directory / name).mkdir(exist_ok=True)

    def servers(ports: list[str]) -> str:
        return "".join(f"server {port} max_fails=3 fail_timeout=10s; " for port in ports)

    template = string.Template((BASE_DIR / "deploy" / "nginx.conf.template").read_text())
    body = template.safe_substitute(
        HTTP_SERVERS=servers(http),
        WS_SERVERS=servers(ws),
        LISTEN=listen,
        STATIC_ROOT=str(directory / "static"),
        MEDIA_ROOT=str(directory / "media"),
    )
    lines = ["user root;"] if os.geteuid() == 0 else []
    lines += [
        f"worker_processes 1; daemon off; pid {directory}/nginx.pid;",
        f"error_log {directory}/nginx-error.log warn;",
        "events { worker_connections 1024; }",
        "http { include /etc/nginx/mime.types; default_type application/octet-stream;",
        f"access_log {directory}/nginx-access.log; sendfile on;",
        f"client_body_temp_path {temp}/body; proxy_temp_path {temp}/proxy;",
        f"fastcgi_temp_path {temp}/fastcgi; uwsgi_temp_path {temp}/uwsgi;",
        f"scgi_temp_path {temp}/scgi;",
        body,
        "}",
    ]
    path = directory / "nginx.conf"
    path.write_text("\n".join(lines) + "\n")
    return path


class Nginx(Group):
    """The proxy in front of ``http`` (and ``ws``) upstreams, on a free port."""

    def __init__(self, *, directory: Path, http: list[str], ws: list[str] | None = None):
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            raise AssertionError(
                "nginx is not installed (apt-get install nginx): the test needs it"
            )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        directory.mkdir(parents=True, exist_ok=True)
        conf = render_nginx(
            directory=directory, listen=f"127.0.0.1:{self.port}", http=http, ws=ws or http
        )
        super().__init__(
            [binary, "-c", str(conf), "-p", str(directory)], log=directory / "nginx.log"
        )
        self.error_log = directory / "nginx-error.log"
        wait_for(
            lambda: answers(f"{self.url}/api/v1/health/"),
            timeout=30,
            what="nginx to proxy",
            log=self.error_log,
        )


class RedisServer(Group):
    """A private, memory-only redis-server on a fixed port (restartable on the same port)."""

    def __init__(self, *, directory: Path, port: int | None = None):
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            raise AssertionError("redis-server is not installed: the test needs it")
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        directory.mkdir(parents=True, exist_ok=True)
        command = [
            binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ]
        super().__init__(command, log=directory / f"redis-{time.monotonic_ns()}.log")
        wait_for(self.pings, timeout=10, what="redis-server to answer", log=self.log)

    def pings(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=1).ping())
        except redis.RedisError:
            return False


# --- the load client ---------------------------------------------------------------------------


@dataclass
class Answer:
    """One request as the client saw it: a status code, or the exception that replaced it."""

    kind: str  # "read" or "write"
    label: str
    status: int | None
    error: str = ""
    seconds: float = 0.0
    body: Any = None

    @property
    def outcome(self) -> str:
        return str(self.status) if self.status is not None else self.error

    @property
    def broken(self) -> bool:
        """The connection broke before a whole answer arrived (not a timeout).

        When a replica dies between writing a response's head and its body, nginx has already
        passed the head on and can only cut the client's connection: the client cannot know
        whether the request took effect, exactly as after a 502."""
        return self.status is None and self.error != "timeout"


@dataclass
class Journal:
    """Every answer every client got (thread-safe)."""

    answers: list[Answer] = field(default_factory=list)
    lock: Lock = field(default_factory=Lock)

    def add(self, answer: Answer) -> None:
        with self.lock:
            self.answers.append(answer)

    def outcomes(self, kind: str | None = None) -> Counter:
        with self.lock:
            return Counter(
                (a.label, a.outcome) for a in self.answers if kind is None or a.kind == kind
            )


class ApiClient:
    """One member talking to the API through the proxy (keep-alive, hard timeout)."""

    def __init__(self, base_url: str, token: str | None, journal: Journal) -> None:
        self.base = base_url.rstrip("/") + "/api/v1/"
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        self.journal = journal

    def _send(self, kind: str, label: str, method: str, path: str, **kwargs: Any) -> Answer:
        started = time.monotonic()
        try:
            response = self.session.request(
                method, self.base + path, timeout=CLIENT_TIMEOUT_SECONDS, **kwargs
            )
        except requests.Timeout:
            answer = Answer(kind, label, None, "timeout", time.monotonic() - started)
        except requests.RequestException as exc:
            answer = Answer(kind, label, None, type(exc).__name__, time.monotonic() - started)
        else:
            try:
                body = response.json()
            except ValueError:
                body = None
            answer = Answer(kind, label, response.status_code, "", time.monotonic() - started, body)
        self.journal.add(answer)
        return answer

    def read(self, label: str, path: str, **kwargs: Any) -> Answer:
        """One GET, never retried by the client: the proxy must route around a dead replica."""
        return self._send("read", label, "GET", path, **kwargs)

    def write(
        self, label: str, path: str, *, attempts: int = 10, **kwargs: Any
    ) -> tuple[Answer, list[Answer]]:
        """A POST, sent again (same body, same headers) while the proxy answers 502/503/504 or
        the connection breaks. Returns the last answer and every answer before it."""
        history: list[Answer] = []
        for _attempt in range(attempts):
            answer = self._send("write", label, "POST", path, **kwargs)
            history.append(answer)
            if answer.status is not None and answer.status not in PROXY_ERRORS:
                break
            if answer.error == "timeout":
                break
            time.sleep(0.2)
        return history[-1], history[:-1]

    def close(self) -> None:
        self.session.close()


def is_clean_error(answer: Answer) -> bool:
    """A proxy error, or the API's error shape: ``{"error": {"code": …, "message": …}}``."""
    if answer.status in PROXY_ERRORS:
        return True
    body = answer.body
    return (
        isinstance(body, dict)
        and isinstance(body.get("error"), dict)
        and isinstance(body["error"].get("code"), str)
    )


class AsgiServer(Group):
    """``uvicorn config.asgi:application`` for ``/ws/``, as scripts/cluster runs it."""

    def __init__(self, name: str, *, faults_dir: Path, env: dict[str, str]):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            "1",
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--lifespan",
            "off",
            "--no-access-log",
            "--proxy-headers",
            "--timeout-graceful-shutdown",
            "10",
        ]
        super().__init__(command, log=faults_dir / f"{name}.log", env=env)

    def wait_ready(self, timeout: float = 120) -> None:
        def ready() -> bool:
            if not self.running:
                raise AssertionError(f"{self.name} exited:\n{self.log.read_text(errors='replace')}")
            return answers(f"{self.url}/api/v1/health/")

        wait_for(ready, timeout=timeout, what=f"{self.name} to answer", log=self.log)


class CeleryWorker(Group):
    """``celery -A config worker`` on the default queue, one prefork process."""

    def __init__(self, name: str, *, faults_dir: Path, env: dict[str, str]):
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency",
            "1",
            "--pool",
            "prefork",
            "--hostname",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ]
        super().__init__(command, log=faults_dir / f"{name}.log", env=env)

    def wait_ready(self, timeout: float = 120) -> None:
        wait_for(
            lambda: " ready." in self.log.read_text(errors="replace"),
            timeout=timeout,
            what="the worker to start",
            log=self.log,
        )
