"""What the dashboards app stores: the weekly digest's deliveries (dashboards/digest.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DigestDelivery(models.Model):
    """One member's weekly digest of one ISO week, claimed before it is sent.

    The unique (user, week) row is what makes the digest go out once per member and week however
    often beat or a worker runs the task: a run claims the row in its own transaction before it
    mails, and marks it sent after. A claim left unsent (a worker killed mid-send, a failed SMTP
    call) is taken over by a later run once ``DIGEST_RETRY_AFTER_MINUTES`` passed. ``skipped``
    records a member who had nothing to read, or turned the digest off, so later runs of the same
    week do not look at them again.
    """

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("Claimed, being sent")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped (nothing to say, or turned off)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_deliveries"
    )
    # The Monday (UTC) that starts the ISO week.
    week = models.DateField(_("week"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.CLAIMED
    )
    claimed_at = models.DateTimeField(_("claimed at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)
    # What the digest listed (counts), for support and the staff's curiosity.
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("digest delivery")
        verbose_name_plural = _("digest deliveries")
        ordering = ["-week", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "week"], name="dashboards_digest_once_a_week"),
        ]
        indexes = [
            models.Index(fields=["week", "status", "claimed_at"], name="dash_digest_week_status"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.week:%G-W%V} {self.status}"


class Analytics(models.Model):
    """No table: holds the staff analytics' permission, ``dashboards.view_analytics``
    (dashboards/wagtail_hooks.py). Migration 0002 grants it to administrators."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_analytics", _("Can view the staff analytics"))]

    def __str__(self) -> str:
        return "analytics"
