"""The notification kind reviews sends (registered with messaging, which discovers this module).

``review_received`` goes to the reviewee when a review of them is published (at once, or when the
dispute that held it is resolved). Context keys: other_name (the reviewer), rating (1-5).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from messaging.notification_kinds import register

# The same order and texts as messaging's provisional entry, so the API's list does not move.
register(
    "review_received",
    label=_("Review received"),
    title=_("New review"),
    body=_("%(other_name)s reviewed you: %(rating)s out of 5."),
    order=300,
)
