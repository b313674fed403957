"""Every write of the points ledger. Nothing else creates entries or changes a balance.

How a movement is written (``_post``), inside one transaction:

1. Lock every account the transfer touches with ``SELECT … FOR NO KEY UPDATE`` in one statement
   ordered by primary key. Two transfers over the same accounts therefore queue in the same order
   and can never deadlock; ``NO KEY`` (Django's ``select_for_update(no_key=True)``) does not block
   the ``FOR KEY SHARE`` lock that inserting an entry referencing the account takes
   (docs/pitfalls.md: measured safe; zulip's database-concurrency notes).
2. With the locks held, look the idempotency key up again: a retry that waited for the first
   attempt's locks now sees its committed transfer and returns it, moving nothing.
3. Check that no wallet or escrow account would go below zero (the CHECK constraint is the
   backstop), insert the transfer (the unique idempotency key is the final guard), its entries with
   each account's running balance, and the new cached balances.

Callers may wrap these services in their own ``transaction.atomic()`` (exchanges accepts a swap and
holds its points in one transaction); the locks are then held until the caller commits.

On PostgreSQL steps 1-3 are one statement, ``SELECT * FROM rewards_ledger_post(...)`` (migration
``rewards/0005``): the same locks in the same order, the same checks, one round trip instead of six
to nine, and no savepoint (a refusal writes nothing, so there is nothing to roll back). The
services then take no ``transaction.atomic`` of their own there: the statement is atomic by itself,
and inside a caller's transaction its locks are held until the caller commits. SQLite, and the
reversal of a transfer, keep the ORM path (``_post_orm``); docs/benchmarks.md ("Writes") has the
measurements behind the choice.

Wallet limits (``WALLET_MAX_BALANCE``, ``WALLET_DAILY_SPEND_LIMIT``, staff's ``WalletLimit`` per
member; 0 means no limit) are checked in step 3, under the same locks, after the idempotency
lookup (a replay is answered whatever the limits say now):

- the daily spend limit refuses a member's own spending: ``points_transfer`` (transfers, tips) and
  ``escrow_hold``, and only those count: each adds to the wallet's counter of the UTC day
  (``spent_on``/``spent_that_day``, updated with the balance, limit or not). Purchase refunds,
  expiry and reversals debit the wallet without counting and are never refused by it; refunds
  and reversals do not give the day's allowance back;
- the maximum balance refuses ``points_transfer`` into the target wallet and ``points_grant``.
  Swap payments (``escrow_release``/``escrow_settle``), escrow refunds, purchase credits (billing
  asks ``rewards.selectors.wallet_credit_refusal`` before charging), the signup bonus and
  reversals are never refused: refusing them would strand a swap or money already taken. A wallet
  over its maximum keeps its points and may spend them; it refuses further transfers in.

A refusal is ``WalletLimitExceeded`` (409 ``wallet_limit_exceeded``) and writes nothing.

Idempotency keys are global: callers namespace them ("swap:42:hold", "api:transfer:<user>:<key>").
A key reused for a different movement is a 409 ``idempotency_key_reused``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    DateField,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import Conflict, Forbidden, ValidationFailed
from core.text import text_clean
from rewards.models import (
    HOLDING_KINDS,
    REASON_PATTERN,
    AccountKind,
    Entry,
    LedgerAccount,
    Reason,
    Transfer,
    WalletLimit,
)
from rewards.selectors import daily_spend_message, max_balance_message, wallet_limits_effective


@dataclass(frozen=True)
class _Limits:
    """Which legs of a movement the wallet limits apply to (1-based; 0 for none).

    ``spend_leg``: a member wallet debited by its member's own spending (daily spend limit).
    ``cap_leg``: a member wallet credited by a movement the maximum balance may refuse;
    ``cap_own`` says whose limit the message names ("your" or "the recipient's").
    """

    spend_leg: int = 0
    cap_leg: int = 0
    cap_own: bool = False


NO_LIMITS = _Limits()


def _day_start(now: datetime) -> datetime:
    """The start of ``now``'s UTC day: daily spend limits run from midnight UTC."""
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


class InsufficientBalance(Conflict):
    """The source wallet (or escrow) holds fewer points than the movement needs."""

    code = "insufficient_balance"

    def __init__(self, *, balance: int, requested: int, message: str | None = None) -> None:
        super().__init__(
            message
            or _("Not enough points: %(balance)d available, %(requested)d needed.")
            % {"balance": balance, "requested": requested},
            extra={"balance": balance, "requested": requested},
        )


class WalletLimitExceeded(Conflict):
    """The movement would take a member wallet over its maximum balance, or its member over their
    daily spend limit (``WALLET_MAX_BALANCE``, ``WALLET_DAILY_SPEND_LIMIT``, ``WalletLimit``)."""

    code = "wallet_limit_exceeded"

    @classmethod
    def max_balance(cls, *, limit: int, own: bool) -> WalletLimitExceeded:
        return cls(
            max_balance_message(limit=limit, own=own),
            extra={"limit": "max_balance", "limit_points": limit},
        )

    @classmethod
    def daily_spend(cls, *, limit: int, spent: int) -> WalletLimitExceeded:
        left = max(limit - spent, 0)
        return cls(
            daily_spend_message(limit=limit, left=left),
            extra={"limit": "daily_spend_limit", "limit_points": limit, "left_today": left},
        )


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(_("This idempotency key was already used for a different movement."))


class AlreadyReversed(Conflict):
    code = "already_reversed"

    def __init__(self) -> None:
        super().__init__(_("This transfer has already been reversed."))


@dataclass(frozen=True)
class _Side:
    """An account named by what it is, before its row (and id) is known."""

    kind: str
    user_id: int | None = None
    reference: str = ""

    def as_q(self) -> Q:
        return Q(kind=self.kind, user_id=self.user_id, reference=self.reference)

    @classmethod
    def of(cls, account: LedgerAccount) -> _Side:
        return cls(account.kind, account.user_id, account.reference)


def _wallet(user: User) -> _Side:
    if user is None or user.pk is None:
        raise ValidationFailed(_("A saved member is required."))
    return _Side(AccountKind.WALLET, user_id=user.pk)


def _escrow(reference: str) -> _Side:
    return _Side(AccountKind.ESCROW, reference=reference)


def _system(kind: AccountKind) -> _Side:
    return _Side(kind)


# --- validation ----------------------------------------------------------------------------------


def _validate_amount(amount: int) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationFailed(fields={"amount": [_("A whole number of points is required.")]})
    if amount <= 0:
        raise ValidationFailed(fields={"amount": [_("The amount must be a positive number.")]})
    if amount > settings.POINTS_MAX_AMOUNT:
        raise ValidationFailed(
            fields={
                "amount": [
                    _("The amount may be at most %(max)d points.")
                    % {"max": settings.POINTS_MAX_AMOUNT}
                ]
            }
        )


def _validate_reason(reason: str) -> None:
    if not isinstance(reason, str) or not REASON_PATTERN.match(reason):
        raise ValidationFailed(
            fields={"reason": [_("Use a short code of lower-case letters, digits and _.")]}
        )


def _validate_reference(reference: str, *, required: bool = False) -> None:
    if required and not reference:
        raise ValidationFailed(fields={"reference": [_("A reference is required.")]})
    if len(reference) > 64:
        raise ValidationFailed(fields={"reference": [_("At most 64 characters.")]})


def _validate_key(idempotency_key: str | None, *, required: bool = False) -> None:
    if idempotency_key is None:
        if required:
            raise ValidationFailed(
                fields={"idempotency_key": [_("An idempotency key is required.")]}
            )
        return
    if not isinstance(idempotency_key, str) or not 1 <= len(idempotency_key) <= 200:
        raise ValidationFailed(fields={"idempotency_key": [_("Between 1 and 200 characters.")]})


# --- the one writer ------------------------------------------------------------------------------


def _account_open(side: _Side) -> LedgerAccount:
    # get_or_create retries the read after an IntegrityError inside its own savepoint: two
    # transactions opening the same wallet at once both end up with the one row.
    account, _created = LedgerAccount.objects.get_or_create(
        kind=side.kind, user_id=side.user_id, reference=side.reference
    )
    return account


def _lock(sides: Sequence[_Side]) -> list[LedgerAccount]:
    """Lock the accounts of ``sides`` (opening missing ones) in primary-key order; same order out.

    One ``SELECT … ORDER BY id FOR NO KEY UPDATE``: PostgreSQL takes row locks as the sorted rows
    come out, so every transfer acquires its locks in ascending id order.
    """
    query = Q()
    for side in sides:
        query |= side.as_q()
    overrides = WalletLimit.objects.filter(user_id=OuterRef("user_id"))
    for _attempt in range(2):
        rows = (
            LedgerAccount.objects.select_for_update(no_key=True)
            .filter(query)
            .annotate(
                # staff's per-member limits (None: the setting), read with the locks
                override_max_balance=Subquery(overrides.values("max_balance")[:1]),
                override_daily_spend=Subquery(overrides.values("daily_spend_limit")[:1]),
            )
            .order_by("pk")
        )
        found = {_Side.of(row): row for row in rows}
        missing = [side for side in sides if side not in found]
        if not missing:
            return [found[side] for side in sides]
        # One INSERT … ON CONFLICT DO NOTHING for every missing account (no read, no savepoint):
        # an account another transaction opens meanwhile is simply kept, and the locking read
        # above finds it on the next pass.
        LedgerAccount.objects.bulk_create(
            [
                LedgerAccount(kind=side.kind, user_id=side.user_id, reference=side.reference)
                for side in missing
            ],
            ignore_conflicts=True,
        )
    raise RuntimeError(f"could not open ledger accounts {missing}")  # pragma: no cover


def _replay(existing: Transfer, legs: Sequence[tuple[LedgerAccount, int]], reason: str) -> Transfer:
    """Return the transfer a retry refers to, after checking it is the same movement."""
    recorded = {(entry.account_id, entry.amount) for entry in existing.entries.all()}
    wanted = {(account.pk, delta) for account, delta in legs}
    if recorded != wanted or existing.reason != reason:
        raise IdempotencyKeyReused()
    existing.replayed = True
    return existing


_Check = Callable[[list[LedgerAccount], int | None], None]
"""Runs with the locks held, before any write: ``(accounts in sides order, refundable)``.

``refundable`` is what the refund leg's wallet put into the escrow (leg 0) and has not got back,
as the SQL path computed it under the locks; ``None`` on the ORM path (the check queries it).
"""

P = ParamSpec("P")
R = TypeVar("R")


def _one_statement_or_atomic(service: Callable[P, R]) -> Callable[P, R]:
    """``transaction.atomic`` on SQLite; nothing on PostgreSQL, where the movement is one statement.

    The validation before the statement writes nothing, and ``rewards_ledger_post`` writes nothing
    when it refuses, so neither a transaction nor a savepoint of our own buys anything there.
    """
    atomic_service = transaction.atomic(service)

    @functools.wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if connection.vendor == "postgresql":
            return service(*args, **kwargs)
        return atomic_service(*args, **kwargs)

    return wrapper


def _post(
    *,
    sides: Sequence[tuple[_Side, int]],
    reason: str,
    reference: str = "",
    description: str = "",
    idempotency_key: str | None = None,
    initiated_by: User | None = None,
    check: _Check | None = None,
    refund_leg: int = 0,
    limits: _Limits = NO_LIMITS,
) -> Transfer:
    """Write one balanced transfer: one SQL statement on PostgreSQL, the ORM path elsewhere.

    ``refund_leg`` (1-based; 0 for none) names the wallet leg whose credit may not exceed what it
    put into the escrow of leg 1 (``check`` raises the error; the SQL path computes the amount).
    """
    if connection.vendor != "postgresql":
        return _post_orm(
            sides=sides,
            reason=reason,
            reference=reference,
            description=description,
            idempotency_key=idempotency_key,
            initiated_by=initiated_by,
            check=check,
            limits=limits,
        )
    return _post_sql(
        sides=sides,
        reason=reason,
        reference=reference,
        description=description,
        idempotency_key=idempotency_key,
        initiated_by=initiated_by,
        check=check,
        refund_leg=refund_leg,
        limits=limits,
    )


LEDGER_POST_SQL = (
    "SELECT r_status, r_transfer_id, r_account_ids, r_balances, r_refundable, r_limit, r_spent"
    " FROM rewards_ledger_post(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def _post_sql(
    *,
    sides: Sequence[tuple[_Side, int]],
    reason: str,
    reference: str,
    description: str,
    idempotency_key: str | None,
    initiated_by: User | None,
    check: _Check | None,
    refund_leg: int,
    limits: _Limits,
) -> Transfer:
    """``_post`` in one round trip: ``rewards_ledger_post`` (rewards/migrations/0005, with the
    wallet limits since 0008).

    Takes the same ``FOR NO KEY UPDATE`` locks in primary-key order; inside a caller's transaction
    they are held until it ends. Raises the same errors as ``_post_orm``, from the balances the
    function read under its locks.
    """
    assert sum(delta for _side, delta in sides) == 0, "a transfer must sum to zero"  # noqa: S101
    if len({side for side, _delta in sides}) != len(sides):
        # Accounts are unique per (kind, user, reference): equal sides are the same row.
        raise ValidationFailed(_("Points cannot move from an account to itself."))
    now = timezone.now()
    description = description[:255]
    with connection.cursor() as cursor:
        cursor.execute(
            LEDGER_POST_SQL,
            [
                [side.kind for side, _delta in sides],
                [side.user_id for side, _delta in sides],
                [side.reference for side, _delta in sides],
                [delta for _side, delta in sides],
                reason,
                reference,
                description,
                idempotency_key,
                initiated_by.pk if initiated_by is not None else None,
                now,
                refund_leg,
                limits.spend_leg,
                settings.WALLET_DAILY_SPEND_LIMIT,
                _day_start(now),
                limits.cap_leg,
                settings.WALLET_MAX_BALANCE,
            ],
        )
        status, transfer_id, account_ids, balances, refundable, limit, spent = cursor.fetchone()

    if status == "over_daily_spend":
        raise WalletLimitExceeded.daily_spend(limit=limit, spent=spent)
    if status == "over_max_balance":
        raise WalletLimitExceeded.max_balance(limit=limit, own=limits.cap_own)
    if status in ("replay", "reused"):
        if status == "reused":
            raise IdempotencyKeyReused()
        existing = Transfer.objects.get(pk=transfer_id)
        existing.replayed = True
        return existing

    accounts = [
        LedgerAccount(
            id=account_id,
            kind=side.kind,
            user_id=side.user_id,
            reference=side.reference,
            balance=balance,
            updated_at=now,
        )
        for account_id, balance, (side, _delta) in zip(account_ids, balances, sides, strict=True)
    ]
    for account in accounts:
        account._state.adding = False
        account._state.db = connection.alias
    if status == "refused":
        if check is not None:
            check(accounts, refundable)
        for account, (_side, delta) in zip(accounts, sides, strict=True):
            if account.kind in HOLDING_KINDS and account.balance + delta < 0:
                raise InsufficientBalance(balance=account.balance, requested=-delta)
        raise RuntimeError("rewards_ledger_post refused a movement no check refuses")
    if status != "ok":  # pragma: no cover - the function returns one of six statuses
        raise RuntimeError(f"rewards_ledger_post returned {status!r}")

    transfer = Transfer(
        id=transfer_id,
        reason=reason,
        reference=reference,
        description=description,
        idempotency_key=idempotency_key,
        initiated_by=initiated_by,
        created_at=now,
    )
    transfer._state.adding = False
    transfer._state.db = connection.alias
    for account, (_side, delta) in zip(accounts, sides, strict=True):
        account.balance += delta
    transfer.replayed = False
    transfer.accounts = accounts
    return transfer


def _post_orm(
    *,
    sides: Sequence[tuple[_Side, int]],
    reason: str,
    reference: str = "",
    description: str = "",
    idempotency_key: str | None = None,
    initiated_by: User | None = None,
    reverses: Transfer | None = None,
    check: _Check | None = None,
    refund_leg: int = 0,
    limits: _Limits = NO_LIMITS,
) -> Transfer:
    """Write one balanced transfer with the ORM. Must run inside ``transaction.atomic``.

    Takes ``FOR NO KEY UPDATE`` locks on every account of ``sides`` in primary-key order and keeps
    them until the surrounding transaction ends. ``check`` runs with the locks held, before any
    write.
    """
    assert sum(delta for _side, delta in sides) == 0, "a transfer must sum to zero"  # noqa: S101
    accounts = _lock([side for side, _delta in sides])
    legs = [(account, delta) for account, (_side, delta) in zip(accounts, sides, strict=True)]
    if len({account.pk for account in accounts}) != len(accounts):
        raise ValidationFailed(_("Points cannot move from an account to itself."))

    if idempotency_key is not None:
        existing = Transfer.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _replay(existing, legs, reason)

    if check is not None:
        check(accounts, None)
    for account, delta in legs:
        if account.kind in HOLDING_KINDS and account.balance + delta < 0:
            raise InsufficientBalance(balance=account.balance, requested=-delta)
    now = timezone.now()
    _limits_check(legs, limits, now=now)

    fields = {
        "reason": reason,
        "reference": reference,
        "description": description[:255],
        "idempotency_key": idempotency_key,
        "initiated_by": initiated_by,
        "reverses": reverses,
        "created_at": now,
    }
    if idempotency_key is None:
        transfer = Transfer.objects.create(**fields)
    else:
        try:
            with transaction.atomic():
                transfer = Transfer.objects.create(**fields)
        except IntegrityError:
            # Another transaction committed this key between our check and our insert (it
            # touched other accounts, so our locks did not queue us behind it).
            existing = Transfer.objects.filter(idempotency_key=idempotency_key).first()
            if existing is None:
                raise
            return _replay(existing, legs, reason)

    Entry.objects.bulk_create(
        Entry(
            transfer=transfer,
            account=account,
            amount=delta,
            balance_after=account.balance + delta,
            created_at=now,
        )
        for account, delta in legs
    )
    spending: dict[str, Case] = {}
    if limits.spend_leg:
        # the spending wallet's counter of the day moves with its balance (rewards/0010)
        spender, spend = legs[limits.spend_leg - 1]
        spender.spent_that_day = _spent_today(spender, now) - spend
        day = _day_start(now).date()
        spender.spent_on = max(spender.spent_on or day, day)
        spending = {
            "spent_on": Case(
                When(pk=spender.pk, then=Value(spender.spent_on, output_field=DateField())),
                default=F("spent_on"),
            ),
            "spent_that_day": Case(
                When(
                    pk=spender.pk,
                    then=Value(spender.spent_that_day, output_field=BigIntegerField()),
                ),
                default=F("spent_that_day"),
            ),
        }
    LedgerAccount.objects.filter(pk__in=[account.pk for account in accounts]).update(
        balance=Case(*(When(pk=account.pk, then=F("balance") + delta) for account, delta in legs)),
        updated_at=now,
        **spending,
    )
    for account, delta in legs:
        account.balance += delta
        account.updated_at = now
    transfer.replayed = False
    transfer.accounts = accounts
    return transfer


def _spent_today(account: LedgerAccount, now: datetime) -> int:
    """What the wallet's member spent on ``now``'s UTC day (its counter; read under the lock)."""
    day = _day_start(now).date()
    if account.spent_on is not None and account.spent_on >= day:
        return account.spent_that_day
    return 0


def _limits_check(
    legs: Sequence[tuple[LedgerAccount, int]], limits: _Limits, *, now: datetime
) -> None:
    """The wallet limits on the ORM path, with the locks held (``_lock`` read the overrides).

    The same rules, in the same order, as ``rewards_ledger_post`` (rewards/migrations/0008): the
    daily spend limit of the spending wallet, then the maximum balance of the credited one.
    """
    if limits.spend_leg:
        account, delta = legs[limits.spend_leg - 1]
        limit = wallet_limits_effective(
            max_balance=None, daily_spend_limit=account.override_daily_spend
        ).daily_spend_limit
        if limit > 0:
            spent = _spent_today(account, now)
            if spent - delta > limit:
                raise WalletLimitExceeded.daily_spend(limit=limit, spent=spent)
    if limits.cap_leg:
        account, delta = legs[limits.cap_leg - 1]
        limit = wallet_limits_effective(
            max_balance=account.override_max_balance, daily_spend_limit=None
        ).max_balance
        if limit > 0 and account.balance + delta > limit:
            raise WalletLimitExceeded.max_balance(limit=limit, own=limits.cap_own)


# --- wallets -------------------------------------------------------------------------------------

# The largest limit staff may set (points); far beyond any real wallet, well inside bigint.
WALLET_LIMIT_MAX = 10**12


@transaction.atomic
def wallet_limit_set(
    *,
    user: User,
    max_balance: int | None,
    daily_spend_limit: int | None,
    note: str = "",
    set_by: User,
) -> WalletLimit:
    """Set staff's override of ``user``'s wallet limits (None: the setting; 0: no limit).

    ``set_by`` needs ``rewards.change_walletlimit``. The ledger reads the override under the
    wallet's lock, so it applies to the next movement; nothing already moved is undone (a wallet
    over a lowered maximum keeps its points and refuses further credits).
    """
    if not (set_by.is_active and set_by.has_perm("rewards.change_walletlimit")):
        raise Forbidden(_("You are not allowed to change wallet limits."))
    errors: dict[str, list[str]] = {}
    for name, value in (("max_balance", max_balance), ("daily_spend_limit", daily_spend_limit)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            errors[name] = [_("A whole number of points, 0 or more, is required.")]
        elif value > WALLET_LIMIT_MAX:
            errors[name] = [_("At most %(max)d points.") % {"max": WALLET_LIMIT_MAX}]
    note = text_clean(note or "").strip()
    if len(note) > 255:
        errors["note"] = [_("At most 255 characters.")]
    if errors:
        raise ValidationFailed(fields=errors)
    limit, _created = WalletLimit.objects.update_or_create(
        user=user,
        defaults={
            "max_balance": max_balance,
            "daily_spend_limit": daily_spend_limit,
            "note": note,
            "set_by": set_by,
            "updated_at": timezone.now(),
        },
    )
    return limit


@transaction.atomic
def wallet_open(*, user: User) -> LedgerAccount:
    """Open the member's wallet (empty) if it does not exist yet; return it. Takes no lock."""
    return _account_open(_wallet(user))


def wallet_on_user_created(user: User) -> None:
    """accounts' ``on_user_created`` hook: open the wallet and grant the signup bonus.

    Runs inside the signup transaction, so a failed signup leaves no wallet and no bonus.
    """
    signup_bonus_grant(user=user)


# --- movements -----------------------------------------------------------------------------------


@_one_statement_or_atomic
def points_transfer(
    *,
    source: User,
    target: User,
    amount: int,
    reason: str,
    reference: str = "",
    idempotency_key: str | None = None,
    note: str = "",
    initiated_by: User | None = None,
) -> Transfer:
    """Move ``amount`` points from ``source``'s wallet to ``target``'s wallet.

    Locks both wallets (``FOR NO KEY UPDATE``, primary-key order). Raises ``ValidationFailed`` for a
    non-positive amount or a transfer to oneself, ``InsufficientBalance`` (409) when the source
    wallet holds too few points, ``WalletLimitExceeded`` (409) when the points would take the
    source over its daily spend limit or the target over its maximum balance; nothing moves in
    any case.
    """
    _validate_amount(amount)
    _validate_reason(reason)
    _validate_reference(reference)
    _validate_key(idempotency_key)
    if source.pk == target.pk:
        raise ValidationFailed(fields={"target": [_("You cannot transfer points to yourself.")]})
    return _post(
        sides=[(_wallet(source), -amount), (_wallet(target), amount)],
        reason=reason,
        reference=reference,
        description=note,
        idempotency_key=idempotency_key,
        initiated_by=initiated_by,
        limits=_Limits(spend_leg=1, cap_leg=2, cap_own=False),
    )


@_one_statement_or_atomic
def escrow_hold(
    *,
    user: User,
    amount: int,
    reference: str,
    idempotency_key: str,
    reason: str = Reason.SWAP_ESCROW,
) -> Transfer:
    """Move ``amount`` points from ``user``'s wallet into the escrow account of ``reference``.

    Locks the wallet and the escrow account (opening it on first use) in primary-key order.
    Raises ``InsufficientBalance`` when the wallet holds too few points, ``WalletLimitExceeded``
    when the hold would take the member over their daily spend limit (a hold is spending).
    """
    _validate_amount(amount)
    _validate_reason(reason)
    _validate_reference(reference, required=True)
    _validate_key(idempotency_key, required=True)
    return _post(
        sides=[(_wallet(user), -amount), (_escrow(reference), amount)],
        reason=reason,
        reference=reference,
        idempotency_key=idempotency_key,
        limits=_Limits(spend_leg=1),
    )


@_one_statement_or_atomic
def escrow_release(
    *,
    user: User,
    amount: int,
    reference: str,
    idempotency_key: str,
    reason: str = Reason.SWAP_PAYMENT,
) -> Transfer:
    """Pay ``amount`` points held for ``reference`` to ``user`` (the payee).

    Locks the escrow account and the wallet in primary-key order. Raises ``InsufficientBalance``
    when the escrow holds fewer points than ``amount`` for this reference. Never refused by the
    payee's maximum balance: a refusal would strand the points and the swap in escrow, so a
    payment may take a wallet over its maximum (it then refuses further transfers in).
    """
    _validate_amount(amount)
    _validate_reason(reason)
    _validate_reference(reference, required=True)
    _validate_key(idempotency_key, required=True)
    return _post(
        sides=[(_escrow(reference), -amount), (_wallet(user), amount)],
        reason=reason,
        reference=reference,
        idempotency_key=idempotency_key,
        check=_escrow_shortfall_check(amount),
    )


@_one_statement_or_atomic
def escrow_refund(
    *,
    user: User,
    amount: int,
    reference: str,
    idempotency_key: str,
    reason: str = Reason.SWAP_REFUND,
) -> Transfer:
    """Give ``amount`` points held for ``reference`` back to ``user`` (the payer).

    Locks the escrow account and the wallet in primary-key order. Refuses (409) to refund more
    than ``user`` put into this escrow and not yet got back, and more than the escrow still holds.
    """
    _validate_amount(amount)
    _validate_reason(reason)
    _validate_reference(reference, required=True)
    _validate_key(idempotency_key, required=True)

    def payer_check(accounts: list[LedgerAccount], refundable: int | None) -> None:
        escrow, wallet = accounts
        _escrow_shortfall_check(amount)(accounts, refundable)
        _payer_refund_check(escrow=escrow, wallet=wallet, amount=amount, refundable=refundable)

    return _post(
        sides=[(_escrow(reference), -amount), (_wallet(user), amount)],
        reason=reason,
        reference=reference,
        idempotency_key=idempotency_key,
        check=payer_check,
        refund_leg=2,
    )


@_one_statement_or_atomic
def escrow_settle(
    *,
    reference: str,
    payee: User,
    payee_amount: int,
    payer: User,
    payer_amount: int,
    idempotency_key: str,
    reason: str = Reason.SWAP_SETTLEMENT,
) -> Transfer:
    """Split what is held for ``reference`` in one transfer: part to the payee, part back.

    For a late cancellation or a dispute settled in part. One transfer of up to three entries
    (escrow, payee's wallet, payer's wallet), so all three accounts are locked together in
    primary-key order: calling ``escrow_release`` then ``escrow_refund`` in one transaction would
    lock the two wallets in call order and could deadlock against a transfer between them.
    Refuses (409) more than the escrow holds, or refunding the payer more than they put in.
    """
    for name, value in (("payee_amount", payee_amount), ("payer_amount", payer_amount)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationFailed(fields={name: [_("A whole number of points is required.")]})
    _validate_amount(payee_amount + payer_amount)
    _validate_reason(reason)
    _validate_reference(reference, required=True)
    _validate_key(idempotency_key, required=True)
    if payee.pk == payer.pk:
        raise ValidationFailed(fields={"payee": [_("The payee and the payer must differ.")]})
    total = payee_amount + payer_amount
    sides = [(_escrow(reference), -total)]
    if payee_amount:
        sides.append((_wallet(payee), payee_amount))
    if payer_amount:
        sides.append((_wallet(payer), payer_amount))

    def check(accounts: list[LedgerAccount], refundable: int | None) -> None:
        _escrow_shortfall_check(total)(accounts, refundable)
        if payer_amount:
            _payer_refund_check(
                escrow=accounts[0], wallet=accounts[-1], amount=payer_amount, refundable=refundable
            )

    return _post(
        sides=sides,
        reason=reason,
        reference=reference,
        idempotency_key=idempotency_key,
        check=check,
        refund_leg=len(sides) if payer_amount else 0,
    )


def _payer_refund_check(
    *, escrow: LedgerAccount, wallet: LedgerAccount, amount: int, refundable: int | None = None
) -> None:
    """Refuse to give ``wallet`` more than it put into ``escrow`` and has not got back.

    Entries of the wallet in transfers that also touch this escrow: holds are negative, refunds
    positive. Runs under the escrow's lock, which serialises every writer of these rows.
    ``refundable`` is that amount when the SQL path already computed it under the lock.
    """
    if refundable is not None:
        net = -refundable
    else:
        net = (
            Entry.objects.filter(account=wallet, transfer__entries__account=escrow).aggregate(
                total=Sum("amount")
            )["total"]
            or 0
        )
    if amount > -net:
        raise InsufficientBalance(
            balance=max(-net, 0),
            requested=amount,
            message=_("Only points this member put in escrow can be refunded to them."),
        )


def _escrow_shortfall_check(amount: int) -> _Check:
    def check(accounts: list[LedgerAccount], _refundable: int | None) -> None:
        escrow = accounts[0]
        if escrow.balance < amount:
            raise InsufficientBalance(
                balance=escrow.balance,
                requested=amount,
                message=_("Only %(held)d points are held in escrow for %(reference)s.")
                % {"held": escrow.balance, "reference": escrow.reference},
            )

    return check


@_one_statement_or_atomic
def points_grant(
    *,
    user: User,
    amount: int,
    reason: str,
    granted_by: User,
    idempotency_key: str | None = None,
) -> Transfer:
    """Grant ``amount`` points from the staff-grants source to ``user``, recording who did it.

    ``reason`` is the staff member's explanation (stored as the transfer's description; the
    reason code is ``staff_grant``). ``granted_by`` needs the ``rewards.grant_points``
    permission. Locks the source account and the wallet in primary-key order. Refused
    (``WalletLimitExceeded``) over the member's maximum balance: staff raise the member's
    ``WalletLimit`` first when they mean to grant more.
    """
    _validate_amount(amount)
    _validate_key(idempotency_key)
    if not (granted_by.is_active and granted_by.has_perm("rewards.grant_points")):
        raise Forbidden(_("You are not allowed to grant points."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Say why the points are granted.")]})
    if len(reason) > 255:
        raise ValidationFailed(fields={"reason": [_("At most 255 characters.")]})
    return _post(
        sides=[(_system(AccountKind.STAFF_GRANTS), -amount), (_wallet(user), amount)],
        reason=Reason.STAFF_GRANT,
        description=reason,
        idempotency_key=idempotency_key,
        initiated_by=granted_by,
        limits=_Limits(cap_leg=2, cap_own=False),
    )


@_one_statement_or_atomic
def signup_bonus_grant(*, user: User) -> Transfer | None:
    """Open ``user``'s wallet and credit the signup bonus once (``settings.POINTS_SIGNUP_BONUS``).

    Idempotent per user (key ``signup_bonus:<user id>``): a second call returns the first
    transfer. Returns None when the bonus is configured as 0. Locks the signup-bonus source and
    the wallet in primary-key order.
    """
    amount = settings.POINTS_SIGNUP_BONUS
    if amount <= 0:
        wallet_open(user=user)
        return None
    _validate_amount(amount)
    return _post(
        sides=[(_system(AccountKind.SIGNUP_BONUS), -amount), (_wallet(user), amount)],
        reason=Reason.SIGNUP_BONUS,
        idempotency_key=f"signup_bonus:{user.pk}",
    )


@_one_statement_or_atomic
def points_purchase_credit(
    *, user: User, amount: int, reference: str, idempotency_key: str
) -> Transfer:
    """Credit points bought with money (billing, once the gateway confirmed ``reference``).

    Locks the purchases source and the wallet in primary-key order; the key makes a repeated
    webhook credit once. Never refused by the maximum balance: the money was taken; billing asks
    ``rewards.selectors.wallet_credit_refusal`` before charging.
    """
    _validate_amount(amount)
    _validate_reference(reference, required=True)
    _validate_key(idempotency_key, required=True)
    return _post(
        sides=[(_system(AccountKind.PURCHASES), -amount), (_wallet(user), amount)],
        reason=Reason.PURCHASE,
        reference=reference,
        idempotency_key=idempotency_key,
    )


@_one_statement_or_atomic
def points_purchase_refund(
    *, user: User, amount: int, reference: str, idempotency_key: str
) -> Transfer:
    """Take back points of a refunded purchase into the refunds sink.

    Locks the wallet and the refunds sink in primary-key order. Raises ``InsufficientBalance``
    when the member has already spent them (billing decides what happens then).
    """
    _validate_amount(amount)
    _validate_reference(reference, required=True)
    _validate_key(idempotency_key, required=True)
    return _post(
        sides=[(_wallet(user), -amount), (_system(AccountKind.REFUNDS), amount)],
        reason=Reason.PURCHASE_REFUND,
        reference=reference,
        idempotency_key=idempotency_key,
    )


@_one_statement_or_atomic
def points_expire(
    *, user: User, amount: int, reference: str = "", idempotency_key: str | None = None
) -> Transfer:
    """Remove ``amount`` expired points from ``user``'s wallet into the expiry sink.

    Locks the wallet and the expiry sink in primary-key order.
    """
    _validate_amount(amount)
    _validate_reference(reference)
    _validate_key(idempotency_key)
    return _post(
        sides=[(_wallet(user), -amount), (_system(AccountKind.EXPIRY), amount)],
        reason=Reason.EXPIRY,
        reference=reference,
        idempotency_key=idempotency_key,
    )


@transaction.atomic
def transfer_reverse(
    *,
    transfer: Transfer,
    reversed_by: User | None,
    note: str = "",
    idempotency_key: str | None = None,
) -> Transfer:
    """Undo ``transfer`` with a new transfer of the opposite entries that references it.

    The original stays as it was. Locks every account of the original in primary-key order.
    Refuses a second reversal, the reversal of a reversal, and (``InsufficientBalance``) a
    reversal the receiving wallet can no longer cover.
    """
    _validate_key(idempotency_key)
    if transfer.reverses_id is not None:
        raise Conflict(_("A reversal cannot itself be reversed."), code="reversal_not_reversible")
    entries = list(transfer.entries.select_related("account"))
    sides = [(_Side.of(entry.account), -entry.amount) for entry in entries]

    def not_reversed_yet(_accounts: list[LedgerAccount], _refundable: int | None) -> None:
        if Transfer.objects.filter(reverses=transfer).exists():
            raise AlreadyReversed()

    try:
        with transaction.atomic():
            # The ORM path on every database: the one-to-one on ``reverses`` and its check.
            return _post_orm(
                sides=sides,
                reason=Reason.REVERSAL,
                reference=transfer.reference,
                description=note,
                idempotency_key=idempotency_key,
                initiated_by=reversed_by,
                reverses=transfer,
                check=not_reversed_yet,
            )
    except IntegrityError:
        # The one-to-one on ``reverses`` refused a concurrent second reversal.
        if Transfer.objects.filter(reverses=transfer).exists():
            raise AlreadyReversed() from None
        raise
