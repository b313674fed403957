"""The Celery app: autodiscovers every app's ``tasks.py``; eager (inline) when embedded."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("skillswap")
app.config_from_object("django.conf:settings", namespace="CELERY")

# --- delivery guarantees (docs/pitfalls.md, "Celery + transactions") ---
# A task is acknowledged only after it finished, and a worker that dies mid-task (SIGKILL, OOM)
# hands the task back instead of losing it: every task body is idempotent (it claims its work
# with a conditional UPDATE or a row lock), so a second run finishes the job without repeating it.
# One task reserved per process: a killed worker strands nothing behind the task it was running.
# On Redis, a delivered-but-unacknowledged task returns to the queue once the visibility timeout
# passes (the next worker that starts restores it): keep it above the longest task's run time.
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    broker_transport_options={
        "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    },
)

app.autodiscover_tasks()
