"""Wagtail admin screens of the marketplace app.

- Categories and skills: edited in English and Arabic (django-modeltranslation fields); a rename
  re-indexes the offers that use them, after commit, in Celery.
- Offers: read-only listing and inspection; moderators (``marketplace.moderate_offer``) approve an
  offer or remove it with a reason, through ``marketplace.services`` (never a hard delete).
- Moderation queue: new offers nobody reviewed yet and offers reported since their last review.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.views.generic import EditView, IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import Button, ListingButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from core.exceptions import ApplicationError
from marketplace import services, tasks
from marketplace.models import Category, Offer, OfferStatus, Skill

MODERATE_OFFER = "marketplace.moderate_offer"


def moderation_queue(queryset: QuerySet[Offer]) -> QuerySet[Offer]:
    """New offers (never reviewed) and offers reported after their last review."""
    return queryset.exclude(status=OfferStatus.REMOVED).filter(
        Q(reviewed_at__isnull=True)
        | Q(last_reported_at__isnull=False, last_reported_at__gt=F("reviewed_at"))
    )


# --- categories and skills ------------------------------------------------------------------------


class CategoryEditView(EditView):
    def save_instance(self) -> Category:
        instance = super().save_instance()
        transaction.on_commit(lambda: tasks.offers_reindex_for_category_task.delay(instance.pk))
        return instance


class SkillEditView(EditView):
    def save_instance(self) -> Skill:
        instance = super().save_instance()
        transaction.on_commit(lambda: tasks.offers_reindex_for_skill_task.delay(instance.pk))
        return instance


class CategoryViewSet(ModelViewSet):
    model = Category
    icon = "folder-open-inverse"
    menu_label = _("Categories")
    add_to_admin_menu = False
    edit_view_class = CategoryEditView
    copy_view_enabled = False
    form_fields = [
        "name_en",
        "name_ar",
        "slug",
        "parent",
        "description_en",
        "description_ar",
        "icon",
        "sort_order",
        "is_active",
    ]
    list_display = ["name_en", "name_ar", "parent", "slug", "sort_order", "is_active"]
    list_filter = {"is_active": ["exact"], "parent": ["exact"]}
    search_fields = ["name_en", "name_ar", "slug"]
    search_backend_name = None
    ordering = ["sort_order", "id"]


class SkillViewSet(ModelViewSet):
    model = Skill
    icon = "tag"
    menu_label = _("Skills")
    add_to_admin_menu = False
    edit_view_class = SkillEditView
    copy_view_enabled = False
    form_fields = [
        "name_en",
        "name_ar",
        "slug",
        "category",
        "description_en",
        "description_ar",
        "synonyms",
        "is_active",
        "is_user_submitted",
    ]
    list_display = ["name_en", "name_ar", "category", "slug", "is_active", "is_user_submitted"]
    list_filter = {"category": ["exact"], "is_active": ["exact"], "is_user_submitted": ["exact"]}
    search_fields = ["name_en", "name_ar", "slug", "synonyms"]
    search_backend_name = None
    ordering = ["name_en"]


# --- offers and moderation ------------------------------------------------------------------------


class OfferPermissionPolicy(ModelPermissionPolicy):
    """Offers change only through the API and the moderation actions: no add, edit or delete
    screens, superusers included (a delete would break the swaps that reference an offer)."""

    blocked = frozenset({"add", "change", "delete"})

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action in self.blocked:
            return False
        return super().user_has_permission(user, action)

    def users_with_any_permission(self, actions: Any) -> Any:
        actions = [action for action in actions if action not in self.blocked]
        if not actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(actions)


register_permission_policy(Offer, OfferPermissionPolicy(Offer))


class RemoveOfferForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the owner is told)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )


class RemoveOfferView(WagtailAdminTemplateMixin, FormView):
    """Remove an offer with a reason, through ``offer_moderate_remove``."""

    form_class = RemoveOfferForm
    template_name = "wagtailadmin/generic/form.html"
    page_title = _("Remove offer")
    header_icon = "warning"
    index_url_name = ""

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if not request.user.has_perm(MODERATE_OFFER):
            raise PermissionDenied
        self.offer = get_object_or_404(Offer.objects.select_related("owner"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self) -> str:
        return self.offer.title

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            action_url=self.request.path,
            submit_button_label=_("Remove offer"),
            submit_button_active_label=_("Removing…"),
        )
        return context

    def form_valid(self, form: RemoveOfferForm) -> Any:
        try:
            services.offer_moderate_remove(
                offer=self.offer, moderator=self.request.user, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            messages.error(self.request, exc.message)
        else:
            messages.success(self.request, _("The offer was removed."))
        return redirect(reverse(self.index_url_name))


class ApproveOfferView(WagtailAdminTemplateMixin, FormView):
    """Confirm, then mark the offer reviewed (it leaves the moderation queue)."""

    form_class = forms.Form
    template_name = "wagtailadmin/generic/form.html"
    page_title = _("Approve offer")
    header_icon = "check"
    index_url_name = ""

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if not request.user.has_perm(MODERATE_OFFER):
            raise PermissionDenied
        self.offer = get_object_or_404(Offer, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self) -> str:
        return self.offer.title

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            action_url=self.request.path,
            submit_button_label=_("Approve offer"),
            submit_button_active_label=_("Approving…"),
        )
        return context

    def form_valid(self, form: forms.Form) -> Any:
        services.offer_approve(offer=self.offer, moderator=self.request.user)
        messages.success(self.request, _("The offer was approved."))
        return redirect(reverse(self.index_url_name))


def _moderation_buttons(view: Any, offer: Offer, *, cls: type = ListingButton) -> list:
    if not view.request.user.has_perm(MODERATE_OFFER) or offer.status == OfferStatus.REMOVED:
        return []
    buttons = [
        cls(
            _("Remove with a reason"),
            url=reverse(view.remove_url_name, args=[offer.pk]),
            icon_name="bin",
            priority=5,
        )
    ]
    if offer.in_moderation_queue:
        buttons.append(
            cls(
                _("Approve"),
                url=reverse(view.approve_url_name, args=[offer.pk]),
                icon_name="check",
                priority=4,
            )
        )
    return buttons


class OfferIndexView(IndexView):
    remove_url_name = ""
    approve_url_name = ""

    def get_list_more_buttons(self, instance: Offer) -> list:
        return [*super().get_list_more_buttons(instance), *_moderation_buttons(self, instance)]


class ModerationQueueIndexView(OfferIndexView):
    def get_base_queryset(self) -> QuerySet[Offer]:
        return moderation_queue(super().get_base_queryset())


class OfferInspectView(InspectView):
    remove_url_name = ""
    approve_url_name = ""

    @property
    def header_more_buttons(self) -> list:
        return _moderation_buttons(self, self.object, cls=Button)


class OfferViewSet(ModelViewSet):
    model = Offer
    icon = "doc-full"
    menu_label = _("Offers")
    add_to_admin_menu = False
    index_view_class = OfferIndexView
    inspect_view_class = OfferInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["title"]  # never shown: the permission policy blocks add and edit
    list_display = ["title", "owner", "category", "status", "mode", "report_count", "created_at"]
    list_filter = {
        "status": ["exact"],
        "mode": ["exact"],
        "category": ["exact"],
        "created_at": ["gte", "lte"],
    }
    search_fields = ["title", "description", "owner__email"]
    search_backend_name = None
    ordering = ["-created_at"]
    inspect_view_fields = [
        "title",
        "description",
        "owner",
        "category",
        "mode",
        "location",
        "language",
        "price_points",
        "session_minutes",
        "status",
        "created_at",
        "removed_at",
        "removed_by",
        "removal_reason",
        "reviewed_at",
        "reviewed_by",
        "report_count",
        "last_reported_at",
    ]

    def _moderation_kwargs(self) -> dict[str, str]:
        return {
            "remove_url_name": self.get_url_name("remove"),
            "approve_url_name": self.get_url_name("approve"),
        }

    def get_index_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_index_view_kwargs(**self._moderation_kwargs(), **kwargs)

    def get_inspect_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_inspect_view_kwargs(**self._moderation_kwargs(), **kwargs)

    def get_urlpatterns(self) -> list:
        return [
            *super().get_urlpatterns(),
            path(
                "remove/<int:pk>/",
                RemoveOfferView.as_view(index_url_name=self.get_url_name("index")),
                name="remove",
            ),
            path(
                "approve/<int:pk>/",
                ApproveOfferView.as_view(index_url_name=self.get_url_name("index")),
                name="approve",
            ),
        ]


class ModerationQueueViewSet(OfferViewSet):
    menu_label = _("Moderation queue")
    icon = "warning"
    index_view_class = ModerationQueueIndexView
    list_display = ["title", "owner", "status", "report_count", "last_reported_at", "created_at"]
    list_filter = {"status": ["exact"], "category": ["exact"]}

    def register_admin_url_finder(self) -> None:
        return None  # "edit this offer" links resolve to the Offers screens

    def register_reference_index(self) -> None:
        return None


class MarketplaceViewSetGroup(ModelViewSetGroup):
    menu_label = _("Marketplace")
    menu_icon = "tag"
    menu_order = 250
    items = (
        ModerationQueueViewSet("marketplace_offer_queue"),
        OfferViewSet("marketplace_offers"),
        CategoryViewSet("marketplace_categories"),
        SkillViewSet("marketplace_skills"),
    )


@hooks.register("register_admin_viewset")
def register_marketplace_viewsets() -> MarketplaceViewSetGroup:
    return MarketplaceViewSetGroup()
