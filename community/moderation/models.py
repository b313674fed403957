"""Moderation models: reports of member content, warnings, and support tickets with replies."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DETAILS_MAX_LENGTH = 1000
SUBJECT_MAX_LENGTH = 200
BODY_MAX_LENGTH = 5000


class ReportReason(models.TextChoices):
    # The same codes as messaging's message reports, so one queue reads both.
    SPAM = "spam", _("Spam")
    HARASSMENT = "harassment", _("Harassment or hate")
    SCAM = "scam", _("Scam or fraud")
    INAPPROPRIATE = "inappropriate", _("Inappropriate content")
    IMPERSONATION = "impersonation", _("Impersonation")
    OTHER = "other", _("Other")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    DISMISSED = "dismissed", _("Dismissed")


class Resolution(models.TextChoices):
    HIDDEN = "hidden", _("Content hidden")
    WARNED = "warned", _("Author warned")
    SUSPENDED = "suspended", _("Author suspended")
    DISMISSED = "dismissed", _("Dismissed")


class Report(models.Model):
    """A member's report of one target (``target_type``:``target_id``, see targets.py)."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        on_delete=models.CASCADE,
        related_name="moderation_reports",
    )
    target_type = models.CharField(_("target type"), max_length=16)
    target_id = models.PositiveBigIntegerField(_("target id"))
    # Who wrote the target when it was reported: the queue warns or suspends them, and the staff
    # list of experts counts the open reports about them without resolving every target.
    target_author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author of the target"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports_about",
    )
    target_label = models.CharField(_("target"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=ReportReason.choices)
    details = models.TextField(_("details"), max_length=DETAILS_MAX_LENGTH, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.CharField(
        _("resolution"), max_length=12, choices=Resolution.choices, blank=True
    )
    resolution_note = models.TextField(_("moderator's note"), blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-id"]
        permissions = [("moderate_report", "Can act on reports from the moderation queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "target_type", "target_id"],
                condition=Q(status="open"),
                name="moderation_report_open_once_per_reporter",
            ),
        ]
        indexes = [
            models.Index(fields=["target_type", "target_id", "status"], name="moderation_target"),
            models.Index(fields=["status", "created_at"], name="moderation_status_created"),
        ]

    def __str__(self) -> str:
        return f"{self.target_type}:{self.target_id} ({self.get_reason_display()})"


class MemberWarning(models.Model):
    """A recorded warning a moderator gave a member from the queue."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="moderation_warnings",
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderator"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    target_type = models.CharField(_("target type"), max_length=16, blank=True)
    target_id = models.PositiveBigIntegerField(_("target id"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d})"


class TicketCategory(models.TextChoices):
    ACCOUNT = "account", _("Account")
    PAYMENTS = "payments", _("Payments and points")
    SESSIONS = "sessions", _("Sessions and swaps")
    TECHNICAL = "technical", _("Technical problem")
    SAFETY = "safety", _("Safety")
    OTHER = "other", _("Other")


class TicketStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PENDING = "pending", _("Waiting for the member")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class TicketPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Ticket(models.Model):
    """A member's support request, handled by staff in the admin or through ``admin/tickets/``."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="support_tickets",
    )
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH)
    body = models.TextField(_("message"), max_length=BODY_MAX_LENGTH)
    category = models.CharField(
        _("category"), max_length=16, choices=TicketCategory.choices, default=TicketCategory.OTHER
    )
    status = models.CharField(
        _("status"), max_length=12, choices=TicketStatus.choices, default=TicketStatus.OPEN
    )
    priority = models.CharField(
        _("priority"),
        max_length=8,
        choices=TicketPriority.choices,
        default=TicketPriority.NORMAL,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("support ticket")
        verbose_name_plural = _("support tickets")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["status", "priority"], name="moderation_ticket_status"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"


class TicketReply(models.Model):
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    body = models.TextField(_("message"), max_length=BODY_MAX_LENGTH)
    is_staff = models.BooleanField(_("from staff"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("ticket reply")
        verbose_name_plural = _("ticket replies")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.ticket_id} reply {self.pk}"
