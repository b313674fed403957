"""``manage.py seed_scale``: members, offers, threads and messages in bulk for load tests.

``manage.py seed_scale --users 10000 --offers 100000 [--threads N] [--messages N] [--swaps N]
[--seed 42] [--append]``. What it creates and how: ``demo/scale.py``. Refuses to run into a
database that already holds scale members unless ``--append``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from demo.scale import PASSWORD, AlreadySeeded, ScalePlan, member_email, scale_seed


class Command(BaseCommand):
    help = (
        "Create load-test data in bulk (COPY on PostgreSQL); refuses a second run without --append."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=10000, help="Members (default 10000).")
        parser.add_argument("--offers", type=int, default=100000, help="Offers (default 100000).")
        parser.add_argument(
            "--threads", type=int, default=None, help="Direct threads (default: users / 2)."
        )
        parser.add_argument(
            "--messages", type=int, default=None, help="Messages (default: 4 per thread)."
        )
        parser.add_argument(
            "--swaps", type=int, default=0, help="Pending swap requests, through the service."
        )
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument(
            "--append", action="store_true", help="Add members after existing scale members."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        users = options["users"]
        if users < 2 or options["offers"] < 0:
            raise CommandError("--users must be at least 2 and --offers at least 0.")
        threads = options["threads"] if options["threads"] is not None else users // 2
        messages = options["messages"] if options["messages"] is not None else 4 * threads
        plan = ScalePlan(
            users=users,
            offers=options["offers"],
            threads=threads,
            messages=messages,
            swaps=options["swaps"],
            seed=options["seed"],
            append=options["append"],
        )
        started = time.monotonic()
        with Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            disable=options["verbosity"] < 1,
        ) as bar:

            def progress(label: str, total: int) -> Callable[[int], None]:
                task = bar.add_task(label, total=total)
                return lambda advance: bar.advance(task, advance)

            try:
                result = scale_seed(plan, progress=progress)
            except AlreadySeeded as error:
                raise CommandError(str(error.message)) from error
        summary = ", ".join(f"{count} {label}" for label, count in result.counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Created {summary} in {time.monotonic() - started:.1f}s.")
        )
        last = result.first_index + users - 1
        self.stdout.write(
            f"Members {member_email(result.first_index)} … {member_email(last)}, "
            f"password {PASSWORD}"
        )
