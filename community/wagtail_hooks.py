"""Wagtail admin screens of the community app."""
