"""The community: forums, reviews, events and bookings, reports, moderation and support.

Not an app itself: each part is its own Django app (``community.forums``, ``community.reviews``,
``community.events``, ``community.moderation``) with its own migrations and admin, so the parts
change independently (docs/architecture.md, "Community").
"""
