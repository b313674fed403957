"""Reviews of completed swaps: one per swap and direction, the reviewee's one reply.

A review of a swap that is in dispute is stored ``held`` (visible to its author only) and
published once the dispute is resolved (``services.reviews_release``). The reviewee's
``User.rating_average`` and ``rating_count`` count published reviews only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Tag(models.TextChoices):
    """The fixed vocabulary of review tags (seed 004's ``categories``)."""

    HELPFUL = "helpful", pgettext_lazy("review tag", "Helpful")
    PROFESSIONAL = "professional", pgettext_lazy("review tag", "Professional")
    ENGAGING = "engaging", pgettext_lazy("review tag", "Engaging")
    KNOWLEDGEABLE = "knowledgeable", pgettext_lazy("review tag", "Knowledgeable")
    PATIENT = "patient", pgettext_lazy("review tag", "Patient")
    PUNCTUAL = "punctual", pgettext_lazy("review tag", "Punctual")
    CLEAR = "clear", pgettext_lazy("review tag", "Clear explanations")
    FRIENDLY = "friendly", pgettext_lazy("review tag", "Friendly")
    PREPARED = "prepared", pgettext_lazy("review tag", "Well prepared")


class Review(models.Model):
    """One party's rating of the other party of a swap."""

    wagtail_reference_index_ignore = True  # no CMS content links here

    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        HELD = "held", _("Held until the dispute is resolved")

    swap = models.ForeignKey(
        "exchanges.Swap", on_delete=models.CASCADE, related_name="reviews", verbose_name=_("swap")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviews_written",
        verbose_name=_("reviewer"),
    )
    reviewee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviews_received",
        verbose_name=_("reviewee"),
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), max_length=4000, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    reply = models.TextField(_("reply"), max_length=4000, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["swap", "reviewer"], name="reviews_once_per_swap"),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="reviews_rating_1_to_5"
            ),
            models.CheckConstraint(
                condition=~Q(reviewer=F("reviewee")), name="reviews_not_of_oneself"
            ),
        ]
        indexes = [
            models.Index(fields=["reviewee", "status", "-created_at"]),
            models.Index(fields=["status", "swap"]),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 for {self.reviewee_id} on swap {self.swap_id}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def tag_labels(self) -> list[str]:
        """The tags' labels in the active language, in the vocabulary's order."""
        labels = dict(Tag.choices)
        return [str(labels[tag]) for tag in Tag.values if tag in (self.tags or [])]
