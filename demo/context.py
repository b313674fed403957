"""What every app's ``demo.seed(context)`` receives (``manage.py seed_demo``)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO, TypeVar

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
