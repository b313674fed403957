"""Swaps (the sessions two members agree on), their bookings, video calls and calendar feeds.

The seeds call a swap a swap (000, 001), an order (002), a meeting (003) and a session (004);
there is one table and the API serves it under each name.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from exchanges.constraints import PostgresExclusionConstraint, TsTzRange


class Swap(models.Model):
    """One exchange between a requester and a responder at an agreed time."""

    wagtail_reference_index_ignore = True  # no CMS content links here; saves 4 queries a save

    class Kind(models.TextChoices):
        SWAP = "swap", _("Skill for skill")
        POINTS = "points", _("Paid in points")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")
        DISPUTED = "disputed", _("Disputed")
        REFUNDED = "refunded", _("Refunded")

    class SessionType(models.TextChoices):
        TEXT = "text", _("Text")
        VOICE = "voice", _("Voice")
        VIDEO = "video", _("Video")

    class Mode(models.TextChoices):
        ONLINE = "online", _("Online")
        OFFLINE = "offline", _("In person")

    class Resolution(models.TextChoices):
        COMPLETED = "completed", _("Completed: pay the responder")
        REFUNDED = "refunded", _("Refunded: return the points to the requester")

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="swaps_requested",
        verbose_name=_("requester"),
    )
    responder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="swaps_received",
        verbose_name=_("responder"),
    )
    offer = models.ForeignKey(
        "marketplace.Offer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="swaps",
        verbose_name=_("offer"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.SWAP)
    points_amount = models.PositiveIntegerField(_("points"), default=0)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    category = models.ForeignKey(
        "marketplace.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="swaps",
        verbose_name=_("category"),
    )
    session_type = models.CharField(
        _("session type"), max_length=8, choices=SessionType.choices, default=SessionType.VIDEO
    )
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices, default=Mode.ONLINE)
    location = models.CharField(_("location"), max_length=255, blank=True)
    scheduled_start = models.DateTimeField(_("scheduled start"))
    scheduled_end = models.DateTimeField(_("scheduled end"))
    notes = models.TextField(_("notes"), max_length=4000, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )

    # A reschedule is a proposal that the other party accepts or declines.
    proposed_start = models.DateTimeField(_("proposed start"), null=True, blank=True)
    proposed_end = models.DateTimeField(_("proposed end"), null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    # Bumped on every reschedule: RFC 5545 SEQUENCE of the feed's event.
    sequence = models.PositiveIntegerField(_("sequence"), default=0)

    # Completion: one party marks it, the other confirms (or it auto-completes later).
    completion_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("completion requested by"),
    )
    completion_requested_at = models.DateTimeField(
        _("completion requested at"), null=True, blank=True
    )

    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancellation_reason = models.TextField(_("cancellation reason"), max_length=2000, blank=True)
    refunded_points = models.PositiveIntegerField(_("points refunded"), default=0)
    paid_points = models.PositiveIntegerField(_("points paid to the responder"), default=0)

    disputed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("disputed by"),
    )
    dispute_reason = models.TextField(_("dispute reason"), max_length=4000, blank=True)
    resolution = models.CharField(
        _("resolution"), max_length=10, choices=Resolution.choices, blank=True
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolution_note = models.TextField(_("resolution note"), max_length=4000, blank=True)

    # Google Calendar event of each participant who linked Google.
    requester_calendar_event_id = models.CharField(
        _("requester's calendar event"), max_length=1024, blank=True
    )
    responder_calendar_event_id = models.CharField(
        _("responder's calendar event"), max_length=1024, blank=True
    )
    calendar_synced_at = models.DateTimeField(_("calendar synced at"), null=True, blank=True)

    # Claimed with a conditional UPDATE so each reminder goes out exactly once.
    reminder_24h_sent_at = models.DateTimeField(_("24 h reminder sent"), null=True, blank=True)
    reminder_1h_sent_at = models.DateTimeField(_("1 h reminder sent"), null=True, blank=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("rejected"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    disputed_at = models.DateTimeField(_("disputed"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("swap")
        verbose_name_plural = _("swaps")
        ordering = ["-scheduled_start", "-id"]
        permissions = [("resolve_dispute", _("Can resolve swap disputes"))]
        indexes = [
            models.Index(fields=["requester", "status", "scheduled_start"]),
            models.Index(fields=["responder", "status", "scheduled_start"]),
            models.Index(fields=["status", "scheduled_start"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(scheduled_end__gt=F("scheduled_start")),
                name="exchanges_swap_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(requester=F("responder")), name="exchanges_swap_two_parties"
            ),
            models.CheckConstraint(
                condition=Q(kind="swap", points_amount=0) | Q(kind="points", points_amount__gt=0),
                name="exchanges_swap_points_match_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def reference(self) -> str:
        """The escrow reference of the points ledger."""
        return f"swap:{self.pk}"

    @property
    def duration(self) -> timedelta:
        return self.scheduled_end - self.scheduled_start

    @property
    def duration_minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)

    def is_party(self, user: object) -> bool:
        user_id = getattr(user, "pk", None)
        return user_id is not None and user_id in (self.requester_id, self.responder_id)

    def other_party(self, user: object) -> object:
        return self.responder if getattr(user, "pk", None) == self.requester_id else self.requester


class SessionBooking(models.Model):
    """The time an accepted swap occupies in one participant's diary.

    Two rows per accepted swap (requester and responder). On PostgreSQL an exclusion constraint
    guarantees that no user holds two bookings whose ``[starts_at, ends_at)`` ranges overlap, so
    concurrent accepts can never double-book; the rows are deleted when the swap is cancelled.
    """

    wagtail_reference_index_ignore = True  # no CMS content links here; saves 4 queries a save

    swap = models.ForeignKey(Swap, on_delete=models.CASCADE, related_name="bookings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_bookings"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        verbose_name = _("session booking")
        verbose_name_plural = _("session bookings")
        constraints = [
            models.UniqueConstraint(fields=["swap", "user"], name="exchanges_booking_once"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="exchanges_booking_positive"
            ),
            PostgresExclusionConstraint(
                name="exchanges_booking_no_overlap",
                expressions=[
                    ("user", RangeOperators.EQUAL),
                    (
                        TsTzRange("starts_at", "ends_at", RangeBoundary()),
                        RangeOperators.OVERLAPS,
                    ),
                ],
            ),
        ]
        indexes = [models.Index(fields=["user", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class VideoCall(models.Model):
    """A WebRTC room for an accepted swap; signalling runs through ``/ws/calls/{id}/``."""

    wagtail_reference_index_ignore = True  # no CMS content links here; saves 4 queries a save

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for participants")
        ACTIVE = "active", _("In progress")
        ENDED = "ended", _("Ended")

    swap = models.ForeignKey(Swap, on_delete=models.CASCADE, related_name="video_calls")
    room = models.UUIDField(_("room"), default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.WAITING
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)

    class Meta:
        verbose_name = _("video call")
        verbose_name_plural = _("video calls")
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one open room per swap: creating a call again returns the open one.
            models.UniqueConstraint(
                fields=["swap"],
                condition=~Q(status="ended"),
                name="exchanges_one_open_call_per_swap",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.swap.title} ({self.get_status_display()})"


class VideoCallParticipant(models.Model):
    """One participant's admission to a call: join token, joined/left times, open sockets."""

    wagtail_reference_index_ignore = True  # no CMS content links here; saves 4 queries a save

    call = models.ForeignKey(VideoCall, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="video_calls"
    )
    join_token = models.CharField(_("join token"), max_length=64, unique=True)
    token_expires_at = models.DateTimeField(_("token expires"))
    joined_at = models.DateTimeField(_("first joined"), null=True, blank=True)
    left_at = models.DateTimeField(_("last left"), null=True, blank=True)
    connections = models.PositiveIntegerField(_("open connections"), default=0)

    class Meta:
        verbose_name = _("video call participant")
        verbose_name_plural = _("video call participants")
        constraints = [
            models.UniqueConstraint(fields=["call", "user"], name="exchanges_call_participant")
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.user} in call {self.call_id}"


class CalendarFeed(models.Model):
    """Per-user state of the signed ``calendar.ics`` feed; bumping ``version`` revokes old URLs."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user} v{self.version}"
