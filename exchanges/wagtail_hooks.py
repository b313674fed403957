"""Wagtail admin screens of the exchanges app."""
