"""Real ASGI server processes (daphne) on free loopback ports, for cross-process real-time tests.

Used by ``test_two_servers.py`` and by ``tests/benchmarks/bench_realtime.py``. Each server is a
separate ``daphne config.asgi:application`` process sharing PostgreSQL and Redis with the caller.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
DAPHNE = Path(sys.executable).with_name("daphne")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    """A postgres:// URL for Django's connection settings (e.g. the test database)."""
    user = quote(settings_dict.get("USER") or "")
    password = quote(settings_dict.get("PASSWORD") or "")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


def _wait_ready(port: int, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/api/v1/health/"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne on {port} exited:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"daphne on {port} not ready:\n{log.read_text(errors='replace')}")


@contextlib.contextmanager
def asgi_servers(count: int, *, env: dict[str, str], timeout: float = 60.0) -> Iterator[list[int]]:
    """Run ``count`` daphne processes with ``env`` layered on ours; yield their ports."""
    processes: list[tuple[subprocess.Popen, int, Path]] = []
    logs = Path(tempfile.mkdtemp(prefix="skillswap-asgi-"))
    try:
        for index in range(count):
            port = free_port()
            log = logs / f"daphne-{index}.log"
            handle = log.open("wb")
            process = subprocess.Popen(  # noqa: S603 - our own interpreter's daphne
                [str(DAPHNE), "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
                cwd=ROOT,
                env={**os.environ, **env},
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
            handle.close()
            processes.append((process, port, log))
        for process, port, log in processes:
            _wait_ready(port, process, log, timeout)
        yield [port for _process, port, _log in processes]
    finally:
        for process, _port, _log in processes:
            if process.poll() is None:
                process.terminate()
        for process, _port, _log in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
