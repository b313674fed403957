"""The registry of notification kinds: each app registers the kinds it sends, with their texts.

Messaging owns the machinery (store, socket, e-mail, digest, preferences); the app that sends a kind
owns its name, its texts and who gets it how by default. Each app declares its kinds in
``<app>/notifications.py``::

    from django.utils.translation import gettext_lazy as _
    from messaging.notification_kinds import register

    register(
        "swap_requested",
        label=_("Swap requested"),
        title=_("New swap request"),
        body=_("%(other_name)s asked you for a swap: “%(swap_title)s”."),
        order=200,
    )

``MessagingConfig.ready()`` imports every installed app's ``notifications`` module
(``autodiscover_modules``), so a new app registers its kinds without editing messaging. Texts are
lazy translations, rendered in the recipient's language when the event happens (the Arabic lives in
the project's catalogue under the same msgid). ``order`` places the kind in every list of kinds
(the API's ``NotificationTypeEnum``, the preferences screen): keep a kind's number when it moves
between apps, so the schema does not change.

A *provisional* registration holds a kind that the API contract lists (docs/api.md) but whose app
does not send it yet; the owning app's own ``register`` replaces it (in any import order), and a
provisional entry never replaces a real one. Two real registrations of one kind are a bug and raise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

CHANNELS = frozenset({"in_app", "email"})
KIND_MAX_LENGTH = 32

Prepare = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class NotificationKindSpec:
    """One kind: its API value, label, title and body templates, default channels, position."""

    kind: str
    label: Any
    title: Any
    body: Any
    order: int
    in_app: bool = True
    email: bool = True
    # Adjusts the caller's context before rendering (e.g. a code turned into its label); it runs
    # inside the recipient's language.
    prepare: Prepare | None = None
    provisional: bool = False
    module: str = ""

    @property
    def defaults(self) -> tuple[bool, bool]:
        """``(in_app, email)`` for a user who never chose for this kind."""
        return self.in_app, self.email


_registry: dict[str, NotificationKindSpec] = {}


def register(
    kind: str,
    *,
    label: Any,
    title: Any,
    body: Any,
    order: int,
    default_channels: Iterable[str] = ("in_app", "email"),
    prepare: Prepare | None = None,
    provisional: bool = False,
) -> NotificationKindSpec:
    """Declare ``kind`` with its texts; ``default_channels`` says how users get it by default.

    ``title`` and ``body`` are ``%(name)s`` templates over the sender's context; a key the caller
    did not give renders empty. Raises ``ValueError`` for a malformed kind or channel and for a
    second real registration of one kind.
    """
    channels = frozenset(default_channels)
    if not kind or len(kind) > KIND_MAX_LENGTH or not kind.replace("_", "").isalnum():
        raise ValueError(f"notification kind {kind!r}: use up to 32 letters, digits and _")
    if channels - CHANNELS:
        raise ValueError(
            f"notification kind {kind!r}: unknown channels {sorted(channels - CHANNELS)}"
        )
    spec = NotificationKindSpec(
        kind=kind,
        label=label,
        title=title,
        body=body,
        order=order,
        in_app="in_app" in channels,
        email="email" in channels,
        prepare=prepare,
        provisional=provisional,
        module=_caller_module(),
    )
    current = _registry.get(kind)
    if current is not None:
        if provisional:
            return current
        if not current.provisional and current.module != spec.module:
            raise ValueError(
                f"notification kind {kind!r} is registered twice ({current.module}, {spec.module})"
            )
    _registry[kind] = spec
    return spec


def _caller_module() -> str:
    import sys

    frame = sys._getframe(2)  # register() → its caller
    return str(frame.f_globals.get("__name__", ""))


def get(kind: str) -> NotificationKindSpec:
    """The registered kind; ``ValueError`` for a kind nobody registered."""
    try:
        return _registry[kind]
    except KeyError:
        raise ValueError(f"{kind!r} is not a registered notification kind") from None


def is_registered(kind: str) -> bool:
    return kind in _registry


def kinds() -> list[NotificationKindSpec]:
    """Every registered kind in its ``order`` (ties by value)."""
    return sorted(_registry.values(), key=lambda spec: (spec.order, spec.kind))


def values() -> list[str]:
    return [spec.kind for spec in kinds()]


def choices() -> list[tuple[str, Any]]:
    """``(value, label)`` of every kind, in order: the model field's and the schema's choices."""
    return [(spec.kind, spec.label) for spec in kinds()]


class LazyChoices:
    """The registry's choices, read each time they are iterated (not when a class is defined).

    For declarations evaluated at import time (filter sets) that must see every app's kinds.
    """

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(choices())

    def __len__(self) -> int:
        return len(_registry)

    def __bool__(self) -> bool:
        return True


CHOICES = LazyChoices()
