"""Wagtail admin screens of the rewards app."""
