"""Subscription endpoints (premium plans), mounted through billing/api/urls.py."""

urlpatterns: list = []
