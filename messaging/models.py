"""Messaging models: threads, their members, messages, attachments, notifications, blocks, reports.

A thread is either *direct* (exactly one per pair of users: the pair is stored ordered, low id
first, under a unique constraint), bound to a *subject* owned by a higher app (``subject_type`` +
``subject_id``, e.g. ``("swap", 42)``; unique per subject), or a *group* (events, later). Who may
read a thread is always its ``ThreadParticipant`` rows, whatever the kind.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from messaging import notification_kinds

# Kinds are registered by the apps that send them (messaging.notification_kinds); the fields'
# choices are read from the registry when used, so a new kind needs no migration.
# ``NotificationKind`` is what settings' ENUM_NAME_OVERRIDES names for NotificationTypeEnum.
NotificationKind = notification_kinds.choices


class Thread(models.Model):
    class Kind(models.TextChoices):
        DIRECT = "direct", _("Direct")
        SUBJECT = "subject", _("Bound to a subject")
        GROUP = "group", _("Group")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.DIRECT)
    # Direct threads only: the pair, lower user id first (so (a, b) and (b, a) are one row).
    # SET_NULL: when an account is deleted the other party keeps the conversation.
    user_low = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    user_high = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("second user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Subject threads only: what the conversation is about, owned by a higher app ("swap", 42).
    subject_type = models.CharField(_("subject type"), max_length=32, blank=True)
    subject_id = models.PositiveBigIntegerField(_("subject id"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    # Denormalised so the inbox is one ordered query (written under the thread's row lock).
    last_message = models.ForeignKey(
        "Message",
        verbose_name=_("last message"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_message_at = models.DateTimeField(_("last activity"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user_low", "user_high"],
                condition=Q(kind="direct"),
                name="messaging_thread_unique_pair",
            ),
            models.CheckConstraint(
                condition=~Q(kind="direct") | Q(user_low__lt=F("user_high")),
                name="messaging_thread_pair_ordered",
            ),
            models.UniqueConstraint(
                fields=["subject_type", "subject_id"],
                condition=Q(kind="subject"),
                name="messaging_thread_unique_subject",
            ),
            models.CheckConstraint(
                condition=~Q(kind="subject") | (~Q(subject_type="") & Q(subject_id__isnull=False)),
                name="messaging_thread_subject_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["-last_message_at", "-id"], name="messaging_thread_activity")
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.SUBJECT:
            return self.title or f"{self.subject_type} #{self.subject_id}"
        return self.title or f"Thread #{self.pk}"


class ThreadParticipant(models.Model):
    """Membership of a thread, with the member's read position and e-mail digest position."""

    wagtail_reference_index_ignore = True  # no CMS content links here; saves 4 queries a save

    thread = models.ForeignKey(
        Thread, verbose_name=_("thread"), on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="message_threads",
    )
    # Message ids, not foreign keys: positions only ever move forward, and 0 means "nothing".
    last_read_message_id = models.PositiveBigIntegerField(_("read up to message"), default=0)
    last_read_at = models.DateTimeField(_("last read at"), null=True, blank=True)
    emailed_up_to_message_id = models.PositiveBigIntegerField(
        _("e-mailed up to message"), default=0
    )
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)

    class Meta:
        verbose_name = _("thread participant")
        verbose_name_plural = _("thread participants")
        ordering = ["thread_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["thread", "user"], name="messaging_participant_unique_member"
            ),
        ]
        indexes = [models.Index(fields=["user", "thread"], name="messaging_participant_user")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.thread_id}"


class Message(models.Model):
    wagtail_reference_index_ignore = True  # no CMS content links here; saves 4 queries a save

    thread = models.ForeignKey(
        Thread, verbose_name=_("thread"), on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sender"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="messages_sent",
    )
    content = models.TextField(_("content"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    # A deleted message stays as a tombstone: no content, no attachments, its place in the thread.
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    removed_by_moderator = models.BooleanField(_("removed by a moderator"), default=False)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["thread", "-id"], name="messaging_message_history"),
            models.Index(fields=["created_at"], name="messaging_message_created"),
        ]

    def __str__(self) -> str:
        return self.content[:60] if not self.deleted_at else f"[deleted #{self.pk}]"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


def attachment_storage() -> Storage:
    """The ``STORAGES`` alias named by ``MESSAGING_ATTACHMENT_STORAGE`` (local or S3-compatible)."""
    return storages[getattr(settings, "MESSAGING_ATTACHMENT_STORAGE", "default")]


def attachment_upload_to(instance: Any, filename: str) -> str:
    # Never the uploader's name on disk: a random name with the extension of the sniffed type.
    suffix = PurePosixPath(filename).suffix.lower()
    return timezone.now().strftime(f"messaging/%Y/%m/{uuid.uuid4().hex}{suffix}")


class Attachment(models.Model):
    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(
        _("file"), upload_to=attachment_upload_to, storage=attachment_storage, max_length=255
    )
    thumbnail = models.FileField(
        _("thumbnail"),
        upload_to=attachment_upload_to,
        storage=attachment_storage,
        max_length=255,
        blank=True,
    )
    # From the file's content (magic bytes), never from the client's header or file name.
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    original_name = models.CharField(_("original name"), max_length=255, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name or self.file.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Notification(models.Model):
    wagtail_reference_index_ignore = True  # no CMS content links here; saves 4 queries a save

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("type"), max_length=32, choices=notification_kinds.choices)
    # Rendered once, in the recipient's language, when the event happened.
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    # The object the notification is about, owned by whichever app sent it ("swap", 42).
    related_type = models.CharField(_("related type"), max_length=32, blank=True)
    related_id = models.PositiveBigIntegerField(_("related id"), null=True, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    is_read = models.BooleanField(_("read"), default=False)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="messaging_notif_inbox"),
            models.Index(
                fields=["recipient", "kind", "related_type", "related_id"],
                condition=Q(is_read=False),
                name="messaging_notif_unread",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """A user's choice for one kind; a kind without a row uses the kind's registered defaults."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("type"), max_length=32, choices=notification_kinds.choices)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("by e-mail"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        ordering = ["user_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="messaging_pref_unique_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind}"


class UserBlock(models.Model):
    """``blocker`` no longer exchanges messages with ``blocked`` (in either direction)."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("blocker"),
        on_delete=models.CASCADE,
        related_name="blocks_made",
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("blocked user"),
        on_delete=models.CASCADE,
        related_name="blocks_received",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("blocked user")
        verbose_name_plural = _("blocked users")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="messaging_block_unique"),
            models.CheckConstraint(
                condition=~Q(blocker=F("blocked")), name="messaging_block_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class MessageReport(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam")
        HARASSMENT = "harassment", _("Harassment or hate")
        SCAM = "scam", _("Scam or fraud")
        INAPPROPRIATE = "inappropriate", _("Inappropriate content")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DISMISSED = "dismissed", _("Dismissed")
        REMOVED = "removed", _("Message removed")

    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        on_delete=models.CASCADE,
        related_name="message_reports",
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    details = models.TextField(_("details"), max_length=1000, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderator"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    moderator_note = models.TextField(_("moderator note"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reported message")
        verbose_name_plural = _("reported messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "reporter"], name="messaging_report_once_per_reporter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.message}"
