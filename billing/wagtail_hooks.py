"""Wagtail admin screens of the billing app."""
