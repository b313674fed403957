"""Wagtail admin screens of the cms app."""
