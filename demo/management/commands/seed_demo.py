"""``manage.py seed_demo``: demo data for every app, idempotent, in dependency order.

Each app that has demo data exposes ``<app>/demo.py`` with ``seed(context: DemoContext) -> None``
(``demo/context.py``); running the command twice creates nothing new the second time.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from demo.context import DemoContext

# Dependency order (docs/architecture.md): lower apps first.
DEMO_MODULES = [
    "accounts.demo",
    "marketplace.demo",
    "rewards.demo",
    "billing.demo",
    "messaging.demo",
    "exchanges.demo",
    "cms.demo",
    # The community's pages hang under cms's home pages; reports point at forum posts.
    "community.forums.demo",
    "community.reviews.demo",
    "community.events.demo",
    "community.moderation.demo",
]


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
