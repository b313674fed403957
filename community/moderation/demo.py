"""Demo data of moderation (demo/management/commands/seed_demo.py)."""

from demo.context import DemoContext


def seed(context: DemoContext) -> None:
    """Nothing yet."""
