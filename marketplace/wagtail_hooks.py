"""Wagtail admin screens of the marketplace app."""
