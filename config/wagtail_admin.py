"""Read-only Wagtail admin screens for rows that only services write.

The points ledger (rewards) and swaps and video calls (exchanges) change only through their
services, which keep the invariants (balances, escrow, the swap state machine). Their admin screens
list, filter, search and inspect, and nothing else: a permission policy that can never grant add,
change or delete (superusers included), and a viewset with no add, edit, copy, delete or history
routes at all. Actions that do change something (grant points, resolve a dispute) are separate
views that call the service.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Model
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Django's model permissions minus every write: only ``view`` can ever be held."""

    WRITES = frozenset({"add", "change", "delete"})

    def user_has_permission(self, user: Any, action: str) -> bool:
        return action not in self.WRITES and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions: Any) -> Any:
        allowed = [action for action in actions if action not in self.WRITES]
        if not allowed:
            return get_user_model().objects.none()
        return super().users_with_any_permission(allowed)


def register_read_only(*models: type[Model]) -> None:
    """Give ``models`` the read-only policy. Call it before their viewsets are registered, so
    Wagtail never builds its default (writable) policy for them."""
    for model in models:
        register_permission_policy(model, ReadOnlyPermissionPolicy(model))


class ReadOnlyModelViewSet(ModelViewSet):
    """List, filter, search and inspect; no add, edit, copy, delete or history routes.

    Subclasses may add routes of their own (``get_urlpatterns``) for actions that go through a
    service.
    """

    inspect_view_enabled = True
    copy_view_enabled = False
    search_backend_name = None  # plain Django lookups on search_fields
    form_fields: list[str] = []  # never rendered: there is no add or edit route
    READ_ROUTES = frozenset({"index", "index_results", "inspect"})

    def get_urlpatterns(self) -> list:
        return [route for route in super().get_urlpatterns() if route.name in self.READ_ROUTES]
