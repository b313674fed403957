"""Wagtail admin screen of reviews: a read-only list for moderators and administrators.

Moderators (``community_reviews.view_review``) see every review, held ones included, filter by
status and rating and open one. Nobody adds, edits or deletes a review here: a change of rating
must go through ``community.reviews.services`` so the reviewee's aggregate stays exact.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from community.reviews.models import Review

WRITE_ACTIONS = frozenset({"add", "change", "delete"})


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """``view`` as the groups grant it; no write action for anyone in the admin."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action in WRITE_ACTIONS:
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user: Any, actions: Any) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)


register_permission_policy(Review, ReadOnlyPermissionPolicy(Review), exact_class=True)


class ReviewIndexView(IndexView):
    default_ordering = "-created_at"

    def get_base_queryset(self) -> Any:
        return Review.objects.select_related("reviewer", "reviewee", "swap")


class ReviewViewSet(ModelViewSet):
    model = Review
    icon = "pick"
    menu_label = _("Reviews")
    menu_order = 320
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = ReviewIndexView
    search_fields = ["comment", "reply"]
    search_backend_name = None
    list_filter = ["status", "rating"]
    list_display = [
        Column("reviewer", label=_("reviewer"), accessor="reviewer.public_name"),
        Column("reviewee", label=_("reviewee"), accessor="reviewee.public_name"),
        Column("rating", label=_("rating")),
        Column("status", label=_("status"), accessor="get_status_display"),
        Column("swap", label=_("swap")),
        DateColumn("created_at", label=_("created")),
    ]
    form_fields = ["rating", "comment"]
    inspect_view_fields = [
        "swap",
        "reviewer",
        "reviewee",
        "rating",
        "comment",
        "tags",
        "reply",
        "replied_at",
        "status",
        "created_at",
        "edited_at",
        "published_at",
    ]


@hooks.register("register_admin_viewset")
def register_review_viewset() -> ModelViewSet:
    return ReviewViewSet("community_reviews")
