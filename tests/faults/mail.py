"""An e-mail backend for fault tests: mails land as JSON lines in ``$FAULTS_DIR/mail.jsonl``.

While ``$FAULTS_DIR/block`` exists, a send first touches ``$FAULTS_DIR/started`` and then waits
(up to a minute) for the file to go: the test kills the worker during that wait, mid-send.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


def faults_dir() -> Path:
    return Path(os.environ["FAULTS_DIR"])


def wait_while_blocked() -> None:
    """Signal that the work started, then hold it while the test's block file exists."""
    block = faults_dir() / "block"
    if not block.exists():
        return
    (faults_dir() / "started").touch()
    deadline = time.monotonic() + 60
    while block.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


class SpoolBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        wait_while_blocked()
        with (faults_dir() / "mail.jsonl").open("a", encoding="utf-8") as spool:
            for message in email_messages:
                spool.write(json.dumps({"to": message.to, "subject": message.subject}) + "\n")
        return len(email_messages)
