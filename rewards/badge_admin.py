"""Wagtail admin for badge definitions and awards (owner: H2); imported by wagtail_hooks."""
