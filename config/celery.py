"""The Celery app: autodiscovers every app's ``tasks.py``; eager (inline) when embedded."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("skillswap")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
