"""``manage.py seed_demo``: demo data for every app, idempotent, in dependency order.

Each app that has demo data exposes ``<app>/demo.py`` with ``seed(context: DemoContext) -> None``;
running the command twice creates nothing new the second time.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO, TypeVar

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

# Dependency order (ARCHITECTURE.md): lower apps first.
DEMO_MODULES = [
    "accounts.demo",
    "marketplace.demo",
    "rewards.demo",
    "messaging.demo",
    "exchanges.demo",
]

T = TypeVar("T")


@dataclass
class DemoContext:
    """What every app's ``seed`` receives: options, output, and what earlier apps created."""

    users: int
    stdout: TextIO
    created: dict[str, int] = field(default_factory=dict)
    credentials: list[tuple[str, str, str]] = field(default_factory=list)
    objects: dict[str, Any] = field(default_factory=dict)

    def count(self, label: str, was_created: bool) -> None:
        """Tally a created object under ``label`` (nothing when it already existed)."""
        if was_created:
            self.created[label] = self.created.get(label, 0) + 1

    def progress(self, items: Iterable[T], label: str, total: int | None = None) -> Iterator[T]:
        """Yield ``items`` while drawing a progress bar on a terminal (a summary line otherwise)."""
        items = list(items) if total is None else items
        total = len(items) if total is None else total  # type: ignore[arg-type]
        interactive = self.stdout.isatty() if hasattr(self.stdout, "isatty") else False
        started = time.monotonic()
        width = 30
        for index, item in enumerate(items, start=1):
            yield item
            if interactive and total:
                filled = int(width * index / total)
                bar = "#" * filled + "-" * (width - filled)
                self.stdout.write(f"\r  {label:<24} [{bar}] {index}/{total}")
                self.stdout.flush()
        if interactive and total:
            self.stdout.write("\n")
        elapsed = time.monotonic() - started
        self.stdout.write(f"  {label:<24} {total} done in {elapsed:.1f}s\n")


class Command(BaseCommand):
    help = "Create demo data (staff, moderators, editors, members and their content); idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--users", type=int, default=24, help="How many demo members to create (default 24)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        context = DemoContext(users=max(options["users"], 4), stdout=sys.stdout)
        for module_name in DEMO_MODULES:
            module = importlib.import_module(module_name)
            self.stdout.write(self.style.MIGRATE_HEADING(f"Seeding {module_name.split('.')[0]}"))
            with transaction.atomic():
                module.seed(context)

        if context.created:
            summary = ", ".join(f"{count} {label}" for label, count in context.created.items())
            self.stdout.write(self.style.SUCCESS(f"Created {summary}."))
        else:
            self.stdout.write(self.style.SUCCESS("Demo data already present; nothing created."))
        self.stdout.write(
            "\nDemo accounts (sign in at /admin/ or through POST /api/v1/auth/login):"
        )
        for role, email, password in context.credentials:
            self.stdout.write(f"  {role:<10} {email:<34} {password}")
