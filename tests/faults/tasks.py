"""A task for the fault tests (the worker loads it with ``--include tests.faults.tasks``).

It follows the rule every task of the project follows: the work is claimed and done in one
transaction (a unique row), the side effect (an e-mail) leaves after commit. Killed before the
commit, nothing is kept and the redelivered task does it all; delivered twice, the second run
finds the row and does nothing.
"""

from __future__ import annotations

from celery import shared_task
from django.core.mail import send_mail
from django.db import transaction

from tests.faults.mail import wait_while_blocked


@shared_task(name="tests.faults.member_welcome_task")
def member_welcome_task(email: str) -> bool:
    from accounts.models import User

    with transaction.atomic():
        user, created = User.objects.get_or_create(email=email)
        if not created:
            return False
        # Killed here, the row above is rolled back with the connection.
        wait_while_blocked()
        transaction.on_commit(lambda: send_mail("Welcome", "Hello", None, [email]))
    return True
