"""``manage.py rewards_recount [--fix]``: check every activity counter against the truth.

For each counter (``rewards.models.Counter``) and member, three numbers must agree: the stored
``ActivityCounter.value``, the sum of the member's ``ActivityEvent`` amounts, and the truth that
the source apps compute from their own tables (the providers they register with
``rewards.activity.register_recount``: exchanges, reviews, forums, events, billing). Every
disagreement is listed as a drift; the command exits with status 1 when there is one, unless
``--fix`` is given: then each drift is corrected by an event named ``recount:<time>`` (through
``activity_record``, so badges and the leaderboard follow) and the stored value is brought back
to its events.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from rewards.activity import Drift, recount_drift, recount_fix
from rewards.models import Counter


class Command(BaseCommand):
    help = (
        "Compare activity counters with their events and the source tables; exit 1 on drift "
        "(--fix corrects it)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--fix", action="store_true", help="Record correcting events for every drift."
        )
        parser.add_argument(
            "--counter",
            action="append",
            choices=Counter.values,
            help="Check only this counter (repeatable; default: every counter).",
        )
        parser.add_argument("--limit", type=int, default=100, help="List at most this many drifts.")

    def handle(self, *args: Any, **options: Any) -> None:
        drifts, checked = self._snapshot(options["counter"])
        for drift in drifts[: options["limit"]]:
            self.stdout.write(self._line(drift))
        if len(drifts) > options["limit"]:
            self.stdout.write(f"  … and {len(drifts) - options['limit']} more")
        self.stdout.write(f"Checked {checked} member counters: {len(drifts)} drifted.")
        if not drifts:
            self.stdout.write(self.style.SUCCESS("Activity counters OK."))
            return
        if not options["fix"]:
            raise CommandError("Activity counters drifted (see above); run with --fix to correct.")
        source = f"recount:{timezone.now():%Y%m%dT%H%M%S.%f}"
        for drift in drifts:
            recount_fix(drift, source=source)
        self.stdout.write(self.style.SUCCESS(f"Fixed {len(drifts)} drifts ({source})."))

    def _snapshot(self, counters: list[str] | None) -> tuple[list[Drift], int]:
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost and connection.vendor == "postgresql":
                # One snapshot for every query: a feed commits its source rows and its events
                # together, so nothing committing meanwhile can look like a drift.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return recount_drift(counters)

    @staticmethod
    def _line(drift: Drift) -> str:
        truth = "-" if drift.truth is None else str(drift.truth)
        return (
            f"  member {drift.user_id} {drift.counter}: stored {drift.stored}, "
            f"events {drift.events}, truth {truth}"
        )
