"""``manage.py leaderboard_rebuild``: recompute every leaderboard from ``ActivityEvent``."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from rewards.leaderboard import leaderboard_board, leaderboard_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the leaderboards (all time, this and last week, this and last month) from "
        "the activity events, in Redis when REDIS_URL is set, else in the LeaderboardScore table."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        keys = leaderboard_rebuild()
        board = type(leaderboard_board()).__name__
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(f"Rebuilt {', '.join(keys)} on {board} in {elapsed:.2f} s.")
        )
