"""Object permissions of the marketplace API.

Who may write is decided by the querysets (another member's offer is a 404) and by Django
permissions (``marketplace.moderate_offer``, ``marketplace.add_match``…), never by role names.
"""

from rest_framework import permissions


class ReadOnlyOrAuthenticated(permissions.IsAuthenticatedOrReadOnly):
    """Anyone reads (the public catalogue and offers); members write."""

    # The schema documents 401/403 on every other method (config/api/schema.py).
    anonymous_methods = permissions.SAFE_METHODS


class HasModelPermission(permissions.BasePermission):
    """Requires the Django permission named by the view's ``required_permission``."""

    def has_permission(self, request, view) -> bool:
        codename = getattr(view, "required_permission", None)
        return bool(request.user and request.user.is_authenticated) and (
            codename is None or request.user.has_perm(codename)
        )
