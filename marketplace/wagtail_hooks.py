"""Wagtail admin screens of the marketplace app.

- Categories and skills: edited in English and Arabic (django-modeltranslation fields); a rename
  re-indexes the offers that use them, after commit, in Celery.
- Offers: read-only listing and inspection; moderators (``marketplace.moderate_offer``) approve an
  offer or remove it with a reason, through ``marketplace.services`` (never a hard delete).
- Moderation queue: new offers nobody reviewed yet and offers reported since their last review.
- Skill suggestions: names members used that the catalogue did not know. A moderator
  (``marketplace.change_skill``) approves one into the catalogue (choosing its category and
  names) or merges it into an existing skill as a synonym, or rejects it (the user skills naming
  it are deleted, offers drop it, the name is refused from then on). docs/api.md, "Skill
  suggestions".
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
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import CreateView, DeleteView, EditView, IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import Button, ListingButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from core.exceptions import ApplicationError
from marketplace import services, tasks
from marketplace.cache import offers_cache_bump
from marketplace.models import Category, Offer, OfferStatus, Skill, SkillStatus

MODERATE_OFFER = "marketplace.moderate_offer"
REVIEW_SKILL = "marketplace.change_skill"


def moderation_queue(queryset: QuerySet[Offer]) -> QuerySet[Offer]:
    """New offers (never reviewed) and offers reported after their last review."""
    return queryset.exclude(status=OfferStatus.REMOVED).filter(
        Q(reviewed_at__isnull=True)
        | Q(last_reported_at__isnull=False, last_reported_at__gt=F("reviewed_at"))
    )


# --- categories and skills ------------------------------------------------------------------------


# Category and skill names appear on cached public pages (marketplace/cache.py): every save here
# invalidates them after commit, as the services do for members' writes.


class CategoryCreateView(CreateView):
    def save_instance(self) -> Category:
        instance = super().save_instance()
        transaction.on_commit(offers_cache_bump)
        return instance


class CategoryEditView(EditView):
    def save_instance(self) -> Category:
        instance = super().save_instance()
        transaction.on_commit(lambda: tasks.offers_reindex_for_category_task.delay(instance.pk))
        transaction.on_commit(offers_cache_bump)
        return instance


class SkillCreateView(CreateView):
    def save_instance(self) -> Skill:
        instance = super().save_instance()
        transaction.on_commit(offers_cache_bump)
        return instance


class SkillEditView(EditView):
    def save_instance(self) -> Skill:
        instance = super().save_instance()
        transaction.on_commit(lambda: tasks.offers_reindex_for_skill_task.delay(instance.pk))
        transaction.on_commit(offers_cache_bump)
        return instance


class CatalogueDeleteView(DeleteView):
    """A deleted category or skill leaves no cached public page or offers list naming it."""

    def delete_action(self) -> None:
        super().delete_action()
        transaction.on_commit(offers_cache_bump)


class CategoryViewSet(ModelViewSet):
    model = Category
    icon = "folder-open-inverse"
    menu_label = _("Categories")
    add_to_admin_menu = False
    add_view_class = CategoryCreateView
    edit_view_class = CategoryEditView
    delete_view_class = CatalogueDeleteView
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
    add_view_class = SkillCreateView
    edit_view_class = SkillEditView
    delete_view_class = CatalogueDeleteView
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
    list_display = [
        "name_en",
        "name_ar",
        "category",
        "slug",
        "status",
        "is_active",
        "is_user_submitted",
    ]
    list_filter = {
        "status": ["exact"],
        "category": ["exact"],
        "is_active": ["exact"],
        "is_user_submitted": ["exact"],
    }
    search_fields = ["name_en", "name_ar", "slug", "synonyms"]
    search_backend_name = None
    ordering = ["name_en"]


# --- skill suggestions ----------------------------------------------------------------------------


class ApproveSuggestionForm(forms.Form):
    name_en = forms.CharField(label=_("Name (English)"), max_length=120)
    name_ar = forms.CharField(label=_("Name (Arabic)"), max_length=120, required=False)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True).order_by("sort_order", "id"),
        required=False,
        help_text=_("Required unless the suggestion is merged into an existing skill."),
    )
    merge_into = forms.ModelChoiceField(
        label=_("Merge into an existing skill"),
        queryset=Skill.objects.filter(status=SkillStatus.APPROVED).order_by("name_en"),
        required=False,
        help_text=_("The suggested name becomes a synonym of that skill; its entries follow."),
    )


class SuggestionActionView(WagtailAdminTemplateMixin, FormView):
    """Base of the approve and reject screens: a pending suggestion, ``change_skill`` needed."""

    template_name = "wagtailadmin/generic/form.html"
    index_url_name = ""
    submit_label = ""

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if not request.user.has_perm(REVIEW_SKILL):
            raise PermissionDenied
        self.skill = get_object_or_404(Skill, pk=kwargs["pk"], status=SkillStatus.PENDING)
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self) -> str:
        return self.skill.name_en or self.skill.slug

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(action_url=self.request.path, submit_button_label=self.submit_label)
        return context

    def done(self, message: str) -> Any:
        messages.success(self.request, message)
        return redirect(reverse(self.index_url_name))


class ApproveSuggestionView(SuggestionActionView):
    """Approve a suggestion into the catalogue, or merge it into an existing skill."""

    form_class = ApproveSuggestionForm
    page_title = _("Approve skill suggestion")
    header_icon = "check"
    submit_label = _("Approve")

    def get_initial(self) -> dict[str, Any]:
        return {
            "name_en": self.skill.name_en,
            "name_ar": self.skill.name_ar or "",
            "category": self.skill.category_id,
        }

    def form_valid(self, form: ApproveSuggestionForm) -> Any:
        data = form.cleaned_data
        try:
            skill = services.skill_suggestion_approve(
                skill=self.skill,
                moderator=self.request.user,
                category=data["category"],
                name_en=data["name_en"],
                name_ar=data["name_ar"],
                merge_into=data["merge_into"],
            )
        except ApplicationError as exc:
            for field, errors in exc.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            if not exc.fields:
                form.add_error(None, exc.message)
            return self.form_invalid(form)
        return self.done(_("“%(name)s” is in the catalogue.") % {"name": skill.name_en})


class RejectSuggestionView(SuggestionActionView):
    """Reject a suggestion: its user skills go, offers drop it, the name is refused later."""

    form_class = forms.Form
    page_title = _("Reject skill suggestion")
    header_icon = "bin"
    submit_label = _("Reject")

    def form_valid(self, form: forms.Form) -> Any:
        try:
            services.skill_suggestion_reject(skill=self.skill, moderator=self.request.user)
        except ApplicationError as exc:
            messages.error(self.request, exc.message)
            return redirect(reverse(self.index_url_name))
        return self.done(_("The suggestion was rejected."))


class SuggestionIndexView(IndexView):
    # Titled as what it is, not after the model ("Skills").
    page_title = _("Skill suggestions")

    approve_url_name = ""
    reject_url_name = ""

    def get_base_queryset(self) -> QuerySet[Skill]:
        return super().get_base_queryset().filter(status=SkillStatus.PENDING)

    def get_list_more_buttons(self, instance: Skill) -> list:
        buttons = list(super().get_list_more_buttons(instance))
        if self.request.user.has_perm(REVIEW_SKILL):
            buttons += [
                ListingButton(
                    _("Approve"),
                    url=reverse(self.approve_url_name, args=[instance.pk]),
                    icon_name="check",
                    priority=4,
                ),
                ListingButton(
                    _("Reject"),
                    url=reverse(self.reject_url_name, args=[instance.pk]),
                    icon_name="bin",
                    priority=5,
                ),
            ]
        return buttons


class SkillSuggestionViewSet(ModelViewSet):
    model = Skill
    icon = "help"
    menu_label = _("Skill suggestions")
    add_to_admin_menu = False
    index_view_class = SuggestionIndexView
    copy_view_enabled = False
    form_fields = ["name_en"]
    list_display = [
        "name_en",
        "category",
        Column("suggested_by", label=_("Suggested by")),
        "created_at",
    ]
    list_filter = {"category": ["exact"]}
    search_fields = ["name_en", "name_ar", "slug"]
    search_backend_name = None
    ordering = ["created_at"]

    def get_index_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_index_view_kwargs(
            approve_url_name=self.get_url_name("approve"),
            reject_url_name=self.get_url_name("reject"),
            **kwargs,
        )

    def get_urlpatterns(self) -> list:
        return [
            *super().get_urlpatterns(),
            path(
                "approve/<int:pk>/",
                ApproveSuggestionView.as_view(index_url_name=self.get_url_name("index")),
                name="approve",
            ),
            path(
                "reject/<int:pk>/",
                RejectSuggestionView.as_view(index_url_name=self.get_url_name("index")),
                name="reject",
            ),
        ]

    def register_admin_url_finder(self) -> None:
        return None  # "edit this skill" links resolve to the Skills screens

    def register_reference_index(self) -> None:
        return None


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
    # Titled as what it is, not after the model ("Offers").
    page_title = _("Moderation queue")

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
    list_display = [
        "title",
        Column("owner", label=_("Owner")),
        "category",
        "status",
        "mode",
        "report_count",
        "created_at",
    ]
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
    list_display = [
        "title",
        Column("owner", label=_("Owner")),
        "status",
        "report_count",
        "last_reported_at",
        "created_at",
    ]
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
        SkillSuggestionViewSet("marketplace_skill_suggestions"),
    )


@hooks.register("register_admin_viewset")
def register_marketplace_viewsets() -> MarketplaceViewSetGroup:
    return MarketplaceViewSetGroup()
