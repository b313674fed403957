"""Wagtail admin screens of the messaging app."""
