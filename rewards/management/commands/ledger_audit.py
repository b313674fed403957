"""``manage.py ledger_audit``: prove every balance equals the sum of its entries.

Checks, in one consistent snapshot: each account's cached balance against the sum of its
entries; each entry's running balance; that wallets and escrow are never negative, sources never
positive, sinks never negative; that every transfer has at least two entries summing to zero; and
that all balances together sum to zero (no point created or lost outside a source or sink).
Exits with status 1 and lists the offenders when anything is wrong.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from rewards.selectors import AuditReport, ledger_audit_report


class Command(BaseCommand):
    help = "Recompute every points balance from the ledger entries; exit 1 on any mismatch."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, default=100, help="List at most this many offenders per check."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost and connection.vendor == "postgresql":
                # One snapshot for every query: transfers committing meanwhile cannot make a
                # correct ledger look wrong.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            report = ledger_audit_report(limit=options["limit"])
        self._print(report)
        if not report.ok:
            raise CommandError("The points ledger does not balance (see above).")

    def _print(self, report: AuditReport) -> None:
        self.stdout.write(
            f"Checked {report.accounts} accounts, {report.transfers} transfers, "
            f"{report.entries} entries; all balances sum to {report.total_balance}."
        )
        for row in report.balance_mismatches:
            self.stdout.write(
                f"  account {row['account']} ({row['label']}): cached balance {row['cached']}, "
                f"sum of entries {row['computed']}"
            )
        for row in report.sign_violations:
            self.stdout.write(
                f"  account {row['account']} ({row['label']}): balance {row['balance']} has the "
                "wrong sign for its kind"
            )
        for row in report.unbalanced_transfers:
            self.stdout.write(
                f"  transfer {row['transfer']}: {row['entries']} entries summing to {row['sum']}"
            )
        for row in report.running_balance_mismatches:
            self.stdout.write(
                f"  entry {row['entry']} on account {row['account']}: balance_after "
                f"{row['balance_after']}, running sum {row['computed']}"
            )
        if report.ok:
            self.stdout.write(self.style.SUCCESS("Ledger OK."))
