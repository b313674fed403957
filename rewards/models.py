"""The points ledger: double-entry accounts, transfers and their immutable entries.

Every movement of points is a ``Transfer`` made of two or more ``Entry`` rows whose amounts sum to
zero: a debit (negative) on the account points leave and a credit (positive) on the account they
reach. Each ``LedgerAccount`` caches its balance, kept equal to the sum of its entries by the
services in ``rewards.services`` (the only writers), inside the same transaction and under a row
lock.

Accounts are of three sorts:

- member wallets (one per user) and escrow accounts (one per reference, e.g. ``swap:42``) hold
  points and can never go below zero (a database CHECK constraint as well as the service check);
- sources (signup bonus, purchases, staff grants) are where points come into existence: they only
  give, so their balance is zero or negative and its negation is how much they have issued;
- sinks (purchase refunds, expiry) are where points leave circulation: zero or positive.

The sum of all balances is therefore always zero, and points are never created or lost except
through a named source or sink. Entries and transfers are never updated or deleted: a mistake is
reversed by a new transfer that references the original (``Transfer.reverses``).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LedgerImmutableError(RuntimeError):
    """Raised on any attempt to update or delete a ledger entry or transfer."""


class AccountKind(models.TextChoices):
    WALLET = "wallet", _("Member wallet")
    ESCROW = "escrow", _("Escrow")
    SIGNUP_BONUS = "signup_bonus", _("Signup bonus")
    PURCHASES = "purchases", _("Purchases")
    STAFF_GRANTS = "staff_grants", _("Staff grants")
    REFUNDS = "refunds", _("Purchase refunds")
    EXPIRY = "expiry", _("Expiry")


# Accounts whose balance is real money-like value held for someone: never negative.
HOLDING_KINDS = (AccountKind.WALLET, AccountKind.ESCROW)
# Where points enter circulation: they only give (balance <= 0).
SOURCE_KINDS = (AccountKind.SIGNUP_BONUS, AccountKind.PURCHASES, AccountKind.STAFF_GRANTS)
# Where points leave circulation: they only receive (balance >= 0).
SINK_KINDS = (AccountKind.REFUNDS, AccountKind.EXPIRY)
SYSTEM_KINDS = SOURCE_KINDS + SINK_KINDS


class Reason(models.TextChoices):
    """Reason codes the platform uses; other apps may use further slugs (shown as they are)."""

    SIGNUP_BONUS = "signup_bonus", _("Signup bonus")
    STAFF_GRANT = "staff_grant", _("Staff grant")
    TRANSFER = "transfer", _("Transfer")
    TIP = "tip", _("Tip")
    SWAP_ESCROW = "swap_escrow", _("Swap payment held in escrow")
    SWAP_PAYMENT = "swap_payment", _("Swap payment")
    SWAP_REFUND = "swap_refund", _("Swap refund")
    SWAP_SETTLEMENT = "swap_settlement", _("Swap settlement")
    PURCHASE = "purchase", _("Points purchase")
    PURCHASE_REFUND = "purchase_refund", _("Purchase refund")
    EXPIRY = "expiry", _("Points expired")
    REVERSAL = "reversal", _("Reversal")
    EVENT_BOOKING = "event_booking", _("Event seat held in escrow")
    EVENT_PAYMENT = "event_payment", _("Event payment")
    EVENT_REFUND = "event_refund", _("Event refund")
    BADGE_REWARD = "badge_reward", _("Badge reward")


REASON_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# "swap:42", "payment:7", "event:3" (optionally followed by ":anything"): rewards never imports
# the apps these ids belong to; it only parses them for display.
REFERENCE_PATTERN = re.compile(r"^(?P<kind>[a-z_]+):(?P<id>[0-9]+)(?::|$)")


def reason_label(code: str) -> str:
    """The translated label of a reason code, or the code itself when it is not a known one."""
    try:
        return str(Reason(code).label)
    except ValueError:
        return code.replace("_", " ").capitalize()


def reference_ids(reference: str) -> dict[str, int | None]:
    """``"swap:42"`` → ``{"swap": 42, "payment": None, "event": None}``."""
    ids: dict[str, int | None] = {"swap": None, "payment": None, "event": None}
    match = REFERENCE_PATTERN.match(reference or "")
    if match and match.group("kind") in ids:
        ids[match.group("kind")] = int(match.group("id"))
    return ids


class LedgerAccount(models.Model):
    """A wallet, an escrow account or a system source/sink, with its cached balance."""

    wagtail_reference_index_ignore = True  # no CMS content links here; saves 4 queries a save

    kind = models.CharField(_("kind"), max_length=20, choices=AccountKind.choices)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_wallet",
    )
    # Escrow accounts only: what the held points are for ("swap:42").
    reference = models.CharField(_("reference"), max_length=64, blank=True, db_index=True)
    balance = models.BigIntegerField(_("balance"), default=0)
    # Member wallets: what the member spent (transfers, tips, escrow holds) on the UTC day
    # ``spent_on``, kept by the ledger with the balance for the daily spend limit (one row read
    # under the lock instead of summing the day's entries).
    spent_on = models.DateField(_("spent on"), null=True, blank=True)
    spent_that_day = models.BigIntegerField(_("spent that day"), default=0, db_default=0)
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=AccountKind.WALLET, user__isnull=False, reference="")
                    | (Q(kind=AccountKind.ESCROW, user__isnull=True) & ~Q(reference=""))
                    | Q(kind__in=SYSTEM_KINDS, user__isnull=True, reference="")
                ),
                name="rewards_account_kind_shape",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=HOLDING_KINDS) | Q(balance__gte=0),
                name="rewards_holding_balance_non_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=SOURCE_KINDS) | Q(balance__lte=0),
                name="rewards_source_balance_non_positive",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=SINK_KINDS) | Q(balance__gte=0),
                name="rewards_sink_balance_non_negative",
            ),
            models.UniqueConstraint(
                fields=["reference"],
                condition=Q(kind=AccountKind.ESCROW),
                name="rewards_one_escrow_per_reference",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(kind__in=SYSTEM_KINDS),
                name="rewards_one_account_per_system_kind",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == AccountKind.WALLET:
            return str(_("Wallet of %(name)s") % {"name": self.user.public_name})
        if self.kind == AccountKind.ESCROW:
            return str(_("Escrow for %(reference)s") % {"reference": self.reference})
        return str(self.get_kind_display())


class AppendOnlyQuerySet(models.QuerySet):
    """Ledger rows are written once: bulk updates and deletes are refused."""

    def update(self, **kwargs: Any) -> int:
        raise LedgerImmutableError(f"{self.model.__name__} rows are never updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise LedgerImmutableError(f"{self.model.__name__} rows are never deleted")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise LedgerImmutableError(f"{self.model.__name__} rows are never updated")


class AppendOnlyModel(models.Model):
    """Refuses ``save()`` on an existing row and ``delete()``; PostgreSQL also has a trigger."""

    wagtail_reference_index_ignore = True  # no CMS content links here; saves 4 queries a save

    objects: ClassVar[models.Manager] = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise LedgerImmutableError(f"{type(self).__name__} rows are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise LedgerImmutableError(f"{type(self).__name__} rows are never deleted")


class Transfer(AppendOnlyModel):
    """One movement of points: its entries sum to zero."""

    reason = models.CharField(_("reason"), max_length=40, db_index=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    # What the movement is about, in another app's words ("swap:42", "payment:7", "event:3").
    reference = models.CharField(_("reference"), max_length=64, blank=True, db_index=True)
    # Unique: a retried request with the same key returns this transfer and moves nothing.
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=200, null=True, blank=True, unique=True
    )
    initiated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("initiated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # A correction: this transfer undoes ``reverses`` (at most one reversal per transfer).
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    # Not stored: set by rewards.services on the transfer a movement returns (``replayed`` when
    # an idempotency key returned an earlier transfer; ``accounts`` with their new balances).
    replayed: bool
    accounts: list[LedgerAccount]

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-id"]
        permissions = [("grant_points", _("Can grant points to members"))]

    def __str__(self) -> str:
        return str(_("Transfer #%(id)s (%(reason)s)") % {"id": self.pk, "reason": self.reason})

    @property
    def reason_display(self) -> str:
        return reason_label(self.reason)

    @property
    def amount(self) -> int:
        """The points moved: the sum of the credits (uses prefetched entries when present)."""
        return sum(entry.amount for entry in self.entries.all() if entry.amount > 0)


class Entry(AppendOnlyModel):
    """One side of a transfer on one account; ``balance_after`` is the account's running balance."""

    # No single-column indexes: the unique (transfer, account) and the (account, id) indexes
    # below lead with these columns and serve the same lookups, one index fewer per insert each.
    transfer = models.ForeignKey(
        Transfer,
        verbose_name=_("transfer"),
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,
    )
    account = models.ForeignKey(
        LedgerAccount,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,
    )
    # Signed: positive credits the account, negative debits it.
    amount = models.BigIntegerField(_("amount"))
    balance_after = models.BigIntegerField(_("balance after"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["account", "id"], name="rewards_entry_account_id"),
            models.Index(fields=["account", "created_at"], name="rewards_entry_account_time"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="rewards_entry_amount_non_zero"),
            models.UniqueConstraint(
                fields=["transfer", "account"], name="rewards_entry_one_per_account"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.amount:+d}"

    @property
    def is_credit(self) -> bool:
        return self.amount > 0


class WalletLimit(models.Model):
    """Staff's per-member override of the wallet limits (``WALLET_MAX_BALANCE``,
    ``WALLET_DAILY_SPEND_LIMIT``): an empty field means "use the setting", 0 means "no limit".

    Read by the ledger under the wallet's row lock (``rewards.services``, and the PostgreSQL
    function of migration ``rewards/0007``), so a change applies to the next movement.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="wallet_limit",
    )
    max_balance = models.BigIntegerField(
        _("maximum balance"),
        null=True,
        blank=True,
        help_text=_("Points the wallet may hold. Empty: the site's setting; 0: no limit."),
    )
    daily_spend_limit = models.BigIntegerField(
        _("daily spend limit"),
        null=True,
        blank=True,
        help_text=_(
            "Points the member may send out of the wallet per day (UTC). "
            "Empty: the site's setting; 0: no limit."
        ),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("wallet limit")
        verbose_name_plural = _("wallet limits")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_balance__isnull=True) | Q(max_balance__gte=0),
                name="rewards_walletlimit_max_balance_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(daily_spend_limit__isnull=True) | Q(daily_spend_limit__gte=0),
                name="rewards_walletlimit_daily_spend_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Wallet limits of %(name)s") % {"name": self.user.public_name})


# ---------------------------------------------------------------------------------------------
# Activity counters, badges and the leaderboard (docs/architecture.md: rewards keeps its own
# counters, fed by explicit calls from exchanges, community and billing; it never reads their
# tables).
# ---------------------------------------------------------------------------------------------


class Counter(models.TextChoices):
    """What a member has done, counted per member by ``rewards.activity.activity_record``."""

    SESSIONS_TAUGHT = "sessions_taught", _("Sessions taught")
    SESSIONS_LEARNED = "sessions_learned", _("Sessions learned")
    MINUTES_TAUGHT = "minutes_taught", _("Minutes taught")
    POINTS_EARNED = "points_earned", _("Points earned teaching")
    REVIEWS_RECEIVED = "reviews_received", _("Reviews received")
    RATING_POINTS = "rating_points", _("Stars received")
    HIGH_REVIEWS = "high_reviews", _("Reviews of four stars or more")
    ANSWERS_ACCEPTED = "answers_accepted", _("Forum answers accepted")
    EVENTS_HOSTED = "events_hosted", _("Events hosted")
    POINTS_BOUGHT = "points_bought", _("Points bought")


class ActivityCounter(models.Model):
    """One member's running total of one counter: the sum of their ``ActivityEvent`` amounts."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="activity_counters",
    )
    counter = models.CharField(_("counter"), max_length=32, choices=Counter.choices)
    value = models.BigIntegerField(_("value"), default=0)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("activity counter")
        verbose_name_plural = _("activity counters")
        ordering = ["user_id", "counter"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "counter"], name="rewards_activitycounter_one_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.counter}={self.value}"


class ActivityEvent(models.Model):
    """One counted fact, once: ``(user, counter, source)`` is unique, so a retried call is a no-op.

    ``source`` names the fact in the feeding app's words (``swap:42:taught``, ``review:7``,
    ``review:7:rating:2``); ``amount`` may be negative (a correction). The leaderboard's periods
    come from ``occurred_at``; ``manage.py leaderboard_rebuild`` recomputes from these rows.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="activity_events",
    )
    counter = models.CharField(_("counter"), max_length=32, choices=Counter.choices)
    source = models.CharField(_("source"), max_length=100)
    amount = models.BigIntegerField(_("amount"))
    occurred_at = models.DateTimeField(_("occurred at"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("activity event")
        verbose_name_plural = _("activity events")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "counter", "source"], name="rewards_activityevent_once"
            ),
        ]
        indexes = [
            models.Index(fields=["counter", "occurred_at"], name="rewards_activityevent_period"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.counter} {self.amount:+d} ({self.source})"


class BadgeIcon(models.TextChoices):
    """The icons we ship as static SVGs (``rewards/static/rewards/badges/<icon>.svg``)."""

    MEDAL = "medal", _("Medal")
    TROPHY = "trophy", _("Trophy")
    STAR = "star", _("Star")
    BOOK = "book", _("Book")
    CHAT = "chat", _("Speech bubble")
    CALENDAR = "calendar", _("Calendar")
    COIN = "coin", _("Coin")
    HEART = "heart", _("Heart")


class Tier(models.TextChoices):
    BRONZE = "bronze", _("Bronze")
    SILVER = "silver", _("Silver")
    GOLD = "gold", _("Gold")


class BadgeDefinition(models.Model):
    """A badge staff define in the Wagtail admin: earned when ``counter`` reaches a tier's
    threshold, or, with no counter, awarded by staff only. Name and description are translated
    (``rewards/translation.py``).
    """

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=255, blank=True)
    icon = models.CharField(
        _("icon"), max_length=20, choices=BadgeIcon.choices, default=BadgeIcon.MEDAL
    )
    counter = models.CharField(
        _("counter"),
        max_length=32,
        choices=Counter.choices,
        blank=True,
        help_text=_("Empty: the badge is only awarded by staff."),
    )
    threshold_bronze = models.PositiveIntegerField(_("bronze threshold"), null=True, blank=True)
    threshold_silver = models.PositiveIntegerField(_("silver threshold"), null=True, blank=True)
    threshold_gold = models.PositiveIntegerField(_("gold threshold"), null=True, blank=True)
    reward_bronze = models.PositiveIntegerField(_("bronze reward (points)"), default=0)
    reward_silver = models.PositiveIntegerField(_("silver reward (points)"), default=0)
    reward_gold = models.PositiveIntegerField(_("gold reward (points)"), default=0)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("badge")
        verbose_name_plural = _("badges")
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(threshold_silver__isnull=True)
                    | Q(
                        threshold_bronze__isnull=False,
                        threshold_silver__gt=models.F("threshold_bronze"),
                    )
                ),
                name="rewards_badgedefinition_silver_above_bronze",
            ),
            models.CheckConstraint(
                condition=(
                    Q(threshold_gold__isnull=True)
                    | Q(
                        threshold_silver__isnull=False,
                        threshold_gold__gt=models.F("threshold_silver"),
                    )
                ),
                name="rewards_badgedefinition_gold_above_silver",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BadgeAward(models.Model):
    """A badge tier a member holds (or held: ``revoked_at``). At most one live award per member,
    badge and tier (a partial unique constraint), so concurrent crossings award once.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="badge_awards",
    )
    badge = models.ForeignKey(
        BadgeDefinition, verbose_name=_("badge"), on_delete=models.PROTECT, related_name="awards"
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices)
    awarded_at = models.DateTimeField(_("awarded at"), default=timezone.now)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("awarded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the counter earned it."),
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    counter_value = models.BigIntegerField(_("counter value"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoke_reason = models.CharField(_("revocation reason"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("badge award")
        verbose_name_plural = _("badge awards")
        ordering = ["-awarded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "badge", "tier"],
                condition=Q(revoked_at__isnull=True),
                name="rewards_badgeaward_once_while_held",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-awarded_at"], name="rewards_badgeaward_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.badge} ({self.get_tier_display()})"


class LeaderboardScore(models.Model):
    """The leaderboard kept as a table when Redis is not configured (``rewards.leaderboard``).

    One row per metric, period and member, updated incrementally: ``total`` is the sum of the
    period's amounts, ``tally`` the number of reviews (for the rating metric), and ``score`` the
    value ranked on (the total; for rating the average x 100, null below the minimum number of
    reviews). ``period`` is ``all``, ``w2026-49`` (ISO week) or ``m2026-12``.
    """

    metric = models.CharField(_("metric"), max_length=16)
    period = models.CharField(_("period"), max_length=12)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    total = models.BigIntegerField(_("total"), default=0)
    tally = models.BigIntegerField(_("tally"), default=0)
    score = models.BigIntegerField(_("score"), null=True, blank=True)

    class Meta:
        verbose_name = _("leaderboard score")
        verbose_name_plural = _("leaderboard scores")
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "period", "user"], name="rewards_leaderboardscore_one"
            ),
        ]
        indexes = [
            # Only ranked rows (score not null); SQLite refuses NULLS LAST in an index.
            models.Index(
                "metric",
                "period",
                models.F("score").desc(),
                "user",
                name="rewards_leaderboard_rank",
                condition=Q(score__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.period} {self.user_id}: {self.score}"
