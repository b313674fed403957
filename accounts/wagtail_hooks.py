"""Wagtail admin screens of the accounts app."""
