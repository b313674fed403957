"""Run the benchmarks: ``python -m tests.benchmarks [name ...]`` (``make bench`` sets it up).

Needs ``DATABASE_URL`` (PostgreSQL: contention figures mean nothing on SQLite) and ``REDIS_URL``;
the database is created and migrated if missing. Results go to stdout and ``var/bench.json``.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]


def _ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def main(selected: list[str]) -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) or not os.environ.get("REDIS_URL"):
        print(
            "make bench needs DATABASE_URL (PostgreSQL) and REDIS_URL; run it through `make bench`."
        )
        return 2
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "0")  # DEBUG keeps every query in memory: not measured
    _ensure_database(url)

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)

    from tests.benchmarks.report import Report

    package = Path(__file__).parent
    names = sorted(
        info.name for info in pkgutil.iter_modules([str(package)]) if info.name.startswith("bench_")
    )
    if selected:
        names = [
            name for name in names if name.removeprefix("bench_") in selected or name in selected
        ]
    report = Report()
    for name in names:
        module = importlib.import_module(f"tests.benchmarks.{name}")
        report.current = name.removeprefix("bench_")
        print(
            f"\n== {report.current}: {(module.__doc__ or '').strip().splitlines()[0]}", flush=True
        )
        module.run(report)
    report.write(ROOT / "var" / "bench.json")
    print(f"\n{len(report.figures)} figures written to var/bench.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
