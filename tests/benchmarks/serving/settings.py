"""The project's settings (``DJANGO_ENV`` picks the runtime as usual) with the bench URLconf."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "tests.benchmarks.serving.urls"
