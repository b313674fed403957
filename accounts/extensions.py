"""Hooks through which higher apps extend accounts without accounts importing them.

Dependencies point one way (docs/architecture.md): rewards, marketplace and the rest import
accounts, never the reverse. Where accounts must show or trigger something owned higher up (a points
balance or a subscription status in the profile, a signup bonus, a match recomputation when
languages change, a section of the data export), the owning app registers a callable here from its
``AppConfig.ready()``. These are explicit calls made by accounts services, not Django signals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from accounts.models import User

UserHook = Callable[["User"], None]
ProfileChangedHook = Callable[["User", set[str]], None]
ExportSection = Callable[["User"], Any]

_points_balance: Callable[[User], int] | None = None
_subscription_status: Callable[[User], str] | None = None
_user_created: list[UserHook] = []
_profile_changed: list[ProfileChangedHook] = []
_user_deleted: list[UserHook] = []
_export_sections: dict[str, ExportSection] = {}
_profile_sections: dict[str, ExportSection] = {}


def set_points_balance_provider(provider: Callable[[User], int]) -> None:
    """rewards: tell accounts how to read a user's spendable points balance."""
    global _points_balance
    _points_balance = provider


def points_balance(user: User) -> int:
    return _points_balance(user) if _points_balance is not None else 0


SUBSCRIPTION_NONE = "none"


def set_subscription_status_provider(provider: Callable[[User], str]) -> None:
    """billing: tell accounts how to read a user's premium subscription status.

    The provider returns a short status word (e.g. ``"active"``, ``"past_due"``, ``"cancelled"``);
    until one is registered every account reads ``"none"`` (seed 004's ``subscription_status``).
    """
    global _subscription_status
    _subscription_status = provider


def subscription_status(user: User) -> str:
    return _subscription_status(user) if _subscription_status is not None else SUBSCRIPTION_NONE


def on_user_created(hook: UserHook) -> None:
    """Run ``hook(user)`` inside the signup transaction (e.g. open a wallet, grant a bonus)."""
    if hook not in _user_created:
        _user_created.append(hook)


def on_profile_changed(hook: ProfileChangedHook) -> None:
    """Run ``hook(user, changed_field_names)`` after a profile update, inside its transaction."""
    if hook not in _profile_changed:
        _profile_changed.append(hook)


def on_user_deleted(hook: UserHook) -> None:
    """Run ``hook(user)`` when an account is anonymised, inside that transaction."""
    if hook not in _user_deleted:
        _user_deleted.append(hook)


def register_export_section(name: str, section: ExportSection) -> None:
    """Add ``{name: section(user)}`` to the caller's data export (GET auth/export)."""
    _export_sections[name] = section


def register_profile_section(name: str, section: ExportSection) -> None:
    """Show ``{name: section(user)}`` under ``sections`` in the user's profile, own and public.

    For public data another app owns, e.g. marketplace's offered and wanted skills. Called once
    per profile shown (never in lists), so one or two queries are fine.
    """
    _profile_sections[name] = section


def user_created(user: User) -> None:
    for hook in _user_created:
        hook(user)


def profile_changed(user: User, fields: set[str]) -> None:
    for hook in _profile_changed:
        hook(user, fields)


def user_deleted(user: User) -> None:
    for hook in _user_deleted:
        hook(user)


def export_sections(user: User) -> dict[str, Any]:
    return {name: section(user) for name, section in sorted(_export_sections.items())}


def profile_sections(user: User) -> dict[str, Any]:
    return {name: section(user) for name, section in sorted(_profile_sections.items())}


# --- writable profile fields owned by higher apps ------------------------------------------------


@dataclass(frozen=True)
class ProfileWriter:
    """A writable profile field that another app owns (seed 000's ``skills`` on PUT auth/profile).

    ``field()`` builds the DRF serializer field (write-only) the profile accepts under the name;
    ``apply(user, value)`` stores the validated value, inside the profile update's transaction,
    and may raise ``core.exceptions.ValidationFailed`` naming the field.
    """

    field: Callable[[], Any]
    apply: Callable[[User, Any], None]


_profile_writers: dict[str, ProfileWriter] = {}


def register_profile_writer(
    name: str, *, field: Callable[[], Any], apply: Callable[[User, Any], None]
) -> None:
    """Accept ``name`` in the own-profile PUT/PATCH and hand its value to ``apply``."""
    _profile_writers[name] = ProfileWriter(field=field, apply=apply)


def profile_writers() -> dict[str, ProfileWriter]:
    return dict(sorted(_profile_writers.items()))
