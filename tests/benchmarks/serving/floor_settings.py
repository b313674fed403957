"""The bench settings with the offers floor view mounted (``offers_floor.py``)."""

from tests.benchmarks.serving.settings import *  # noqa: F403

ROOT_URLCONF = "tests.benchmarks.serving.offers_floor"
