"""The browser form of an offer (my offers pages). It parses what the browser sent; every rule
(skills, categories, locations, who may sell paid sessions) stays in ``marketplace.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.forms import CleanTextField
from marketplace import selectors
from marketplace.models import Offer, OfferMode, OfferStatus

MAX_SKILLS = 20


def _names(raw: str) -> list[str]:
    """ "Python, Django، SQL" → ["Python", "Django", "SQL"] (Latin and Arabic commas)."""
    parts = raw.replace("،", ",").split(",")
    return list(dict.fromkeys(part.strip() for part in parts if part.strip()))


class OfferForm(forms.Form):
    title = CleanTextField(label=_("Title"), max_length=200)
    description = CleanTextField(
        label=_("Description"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    category = forms.TypedChoiceField(label=_("Category"), coerce=int, choices=())
    offered_skills = CleanTextField(
        label=_("Skills you offer"),
        max_length=500,
        help_text=_("Separate skills with commas."),
    )
    desired_skills = CleanTextField(
        label=_("Skills you want in exchange"),
        max_length=500,
        required=False,
        help_text=_("Separate skills with commas."),
    )
    mode = forms.ChoiceField(label=_("Where"), choices=OfferMode.choices)
    location = CleanTextField(
        label=_("Location"),
        max_length=200,
        required=False,
        help_text=_("Required for in-person sessions."),
    )
    language = forms.ChoiceField(label=_("Language of the sessions"), choices=())
    price_points = forms.IntegerField(
        label=_("Price in points"),
        min_value=0,
        max_value=1_000_000,
        initial=0,
        help_text=_("0 means swap only."),
    )
    session_minutes = forms.IntegerField(
        label=_("Session length (minutes)"), min_value=15, max_value=480, initial=60
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(OfferStatus.ACTIVE, _("Active")), (OfferStatus.PAUSED, _("Paused"))],
        initial=OfferStatus.ACTIVE,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.categories = {category.pk: category for category in selectors.category_list()}
        self.fields["category"].choices = [
            (pk, category.name) for pk, category in self.categories.items()
        ]
        self.fields["language"].choices = [(code, name) for code, name in settings.LANGUAGES]

    def _skills(self, name: str) -> list[str]:
        names = _names(self.cleaned_data[name])
        if len(names) > MAX_SKILLS:
            raise forms.ValidationError(
                _("At most %(limit)d skills."), params={"limit": MAX_SKILLS}
            )
        return names

    def clean_offered_skills(self) -> list[str]:
        return self._skills("offered_skills")

    def clean_desired_skills(self) -> list[str]:
        return self._skills("desired_skills")

    def offer_values(self) -> dict[str, Any]:
        """Keyword arguments for ``offer_create`` / ``offer_update``."""
        values = dict(self.cleaned_data)
        values["category"] = self.categories[values["category"]]
        return values

    @staticmethod
    def initial_for(offer: Offer) -> dict[str, Any]:
        return {
            "title": offer.title,
            "description": offer.description,
            "category": offer.category_id,
            "offered_skills": ", ".join(skill.name for skill in offer.offered_skills.all()),
            "desired_skills": ", ".join(skill.name for skill in offer.desired_skills.all()),
            "mode": offer.mode,
            "location": offer.location,
            "language": offer.language,
            "price_points": offer.price_points,
            "session_minutes": offer.session_minutes,
            "status": offer.status,
        }
