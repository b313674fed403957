"""What can be reported, and how the moderation queue acts on it: a registry each app fills.

The moderation app knows no forum, offer or message model. Each app that has reportable content
registers a ``ReportableKind`` for it (forums: ``thread`` and ``post``, from
``community/forums/apps.py``'s ``ready()``; this app registers ``user``, ``offer`` and ``message``,
which live in lower apps). ``POST reports/`` names a target as ``{"target_type": kind,
"target_id": id}``; the queue's actions call the kind's ``hide``, and warnings and suspensions go to
``author_of(target)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import Model

    from accounts.models import User


@dataclass(frozen=True)
class ReportableKind:
    """One kind of reportable content and the moderation queue's handles on it."""

    # The API value of ``target_type``: up to 16 lowercase letters.
    kind: str
    # Translatable singular label ("forum post").
    label: Any
    # ``"app_label.ModelName"`` of the target, for the audit log and the admin history link.
    model: str
    # The target with this id as ``reporter`` may see it, or None (the API answers 404).
    resolve: Callable[[int, User], Model | None]
    # Who wrote or owns the target (warned or suspended by the queue); None for no author.
    author_of: Callable[[Model], User | None]
    # A short plain-text description for the queue (a title or the first words).
    describe: Callable[[Model], str]
    # Hide the target from everybody but staff; ``(target, moderator, reason)``. None: not hideable
    # (a user is suspended instead). Runs inside the queue action's transaction.
    hide: Callable[[Model, User, str], None] | None = None
    # Public URL of the target, for the queue's "view" link; None when it has no page.
    url: Callable[[Model], str] | None = None


_registry: dict[str, ReportableKind] = {}


def register(spec: ReportableKind) -> ReportableKind:
    """Add ``spec``; a second registration of one kind with another model is a bug and raises."""
    current = _registry.get(spec.kind)
    if current is not None and current.model != spec.model:
        raise ValueError(f"reportable kind {spec.kind!r} is registered twice")
    _registry[spec.kind] = spec
    return spec


def reportable(kind: str) -> ReportableKind | None:
    """The registered kind named ``kind``, or None."""
    return _registry.get(kind)


def reportable_kinds() -> list[ReportableKind]:
    """Every registered kind, in registration order."""
    return list(_registry.values())
