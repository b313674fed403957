"""A Celery worker killed with SIGKILL mid-task loses nothing and duplicates nothing.

Real worker processes on PostgreSQL and Redis: a task is sent through the broker, the worker
blocks inside it, the whole worker (main process and pool child) is SIGKILLed, a new worker
starts, and the task runs to completion exactly once: one row, one e-mail. This rests on
``task_acks_late`` + ``task_reject_on_worker_lost`` (config/celery.py) and on task bodies that
claim their work in the transaction that does it.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings

from tests.faults.workers import VISIBILITY_TIMEOUT_SECONDS, Worker, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def faults_dir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def broker():
    """A producer on the test Redis (the test settings run tasks eagerly, a worker does not)."""
    app = Celery("faults-producer", broker=settings.REDIS_URL)
    yield app
    app.close()


@pytest.fixture
def queue(broker):
    name = f"faults-{uuid.uuid4().hex[:8]}"
    yield name
    with broker.connection_for_write() as connection:
        connection.default_channel.queue_purge(name)


@pytest.fixture
def workers(faults_dir, queue):
    started: list[Worker] = []

    def start(name: str) -> Worker:
        worker = Worker(queue=queue, faults_dir=faults_dir, name=name)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def mails(faults_dir: Path) -> list[dict]:
    spool = faults_dir / "mail.jsonl"
    if not spool.exists():
        return []
    return [json.loads(line) for line in spool.read_text().splitlines()]


def settle() -> None:
    """Wait one more visibility timeout: a duplicate delivery would have run by then."""
    time.sleep(VISIBILITY_TIMEOUT_SECONDS + 1)


def kill_mid_task_and_restart(*, workers, faults_dir: Path) -> Worker:
    """Block the task, SIGKILL its worker when it is inside, unblock, start a fresh worker."""
    first = workers("first")
    wait_for((faults_dir / "started").exists, timeout=60, what="the task to start", log=first.log)
    first.kill()
    (faults_dir / "block").unlink()
    # A worker hands back the unacknowledged tasks whose visibility timeout has run out when it
    # starts polling; start the new one after that (a restarted worker under a supervisor), so
    # the redelivery does not wait for the broker's next periodic restore, however loaded the
    # machine is.
    time.sleep(VISIBILITY_TIMEOUT_SECONDS + 0.5)
    return workers("second")


def test_a_row_and_its_mail_survive_a_worker_killed_mid_task_exactly_once(
    faults_dir, broker, queue, workers
):
    from accounts.models import User

    # given a task that creates a member and mails them, held inside its transaction
    (faults_dir / "block").touch()
    email = f"welcome-{uuid.uuid4().hex[:6]}@example.test"
    broker.send_task("tests.faults.member_welcome_task", args=[email], queue=queue)

    # when its worker is SIGKILLed mid-task and a new worker starts
    second = kill_mid_task_and_restart(workers=workers, faults_dir=faults_dir)
    wait_for(lambda: mails(faults_dir), timeout=60, what="the mail", log=second.log)
    settle()
    second.stop()

    # then the member exists once and got exactly one mail
    assert User.objects.filter(email=email).count() == 1
    assert mails(faults_dir) == [{"to": [email], "subject": "Welcome"}]


def test_a_notification_email_killed_mid_send_is_sent_exactly_once(
    faults_dir, broker, queue, workers
):
    from messaging.models import Notification
    from tests.accounts.factories import UserFactory

    # given a notification whose e-mail is sent by the real task, held inside the SMTP send
    recipient = UserFactory(email=f"notify-{uuid.uuid4().hex[:6]}@example.test")
    notification = Notification.objects.create(
        recipient=recipient, kind="swap_requested", title="New swap request", body="Guitar"
    )
    (faults_dir / "block").touch()
    broker.send_task(
        "messaging.tasks.notification_email_task",
        kwargs={
            "recipient_id": recipient.pk,
            "kind": "swap_requested",
            "context": {},
            "notification_id": notification.pk,
        },
        queue=queue,
    )

    # when its worker is SIGKILLed mid-send and a new worker starts
    second = kill_mid_task_and_restart(workers=workers, faults_dir=faults_dir)
    wait_for(lambda: mails(faults_dir), timeout=60, what="the e-mail", log=second.log)
    settle()
    second.stop()

    # then exactly one e-mail left, and the notification records it
    notification.refresh_from_db()
    assert mails(faults_dir) == [{"to": [recipient.email], "subject": "New swap request"}]
    assert notification.emailed_at is not None
