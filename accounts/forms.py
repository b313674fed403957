"""Browser forms of the member's own pages (profile, notification preferences).

They only parse and clean what the browser sent; every rule lives in the services
(``accounts.services.user_profile_update``, ``messaging.services.notification_preferences_update``)
whose ``ValidationFailed`` fields are put back on the form by ``form_errors_apply``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.iso_codes import LANGUAGE_CODES
from accounts.models import time_zone_names
from core.exceptions import ApplicationError
from core.text import text_clean


class CleanTextField(forms.CharField):
    """A CharField that applies the one rule for member-written text (``core.text``)."""

    def to_python(self, value: Any) -> str:
        return text_clean(super().to_python(value)).strip()


def form_errors_apply(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's refusal on ``form``: field errors on their fields, the rest on top."""
    placed = False
    for name, messages in (error.fields or {}).items():
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, str(message))
            placed = True
    if not placed:
        form.add_error(None, error.message)


class ProfileForm(forms.Form):
    display_name = CleanTextField(label=_("Display name"), max_length=150, required=False)
    first_name = CleanTextField(label=_("First name"), max_length=150, required=False)
    last_name = CleanTextField(label=_("Last name"), max_length=150, required=False)
    username = CleanTextField(
        label=_("Username"),
        max_length=30,
        required=False,
        help_text=_("3 to 30 letters, digits, “.”, “_” or “-”; optional."),
    )
    bio = CleanTextField(
        label=_("About you"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    languages = CleanTextField(
        label=_("Languages you speak"),
        max_length=200,
        required=False,
        help_text=_("Two-letter codes separated by commas, e.g. ar, en."),
    )
    language = forms.ChoiceField(
        label=_("Language of e-mails and notifications"),
        choices=[("en", "English"), ("ar", "العربية")],
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=())
    avatar = forms.FileField(
        label=_("Avatar"),
        required=False,
        help_text=_("A JPEG, PNG, GIF or WebP picture up to 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    remove_avatar = forms.BooleanField(label=_("Remove my avatar"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(name, name) for name in sorted(time_zone_names())]

    def clean_languages(self) -> list[str]:
        raw = self.cleaned_data["languages"]
        codes = [part.strip().lower() for part in raw.replace("،", ",").split(",") if part.strip()]
        unknown = [code for code in codes if code not in LANGUAGE_CODES]
        if unknown:
            raise forms.ValidationError(
                _("“%(value)s” is not an ISO 639-1 language code."),
                params={"value": unknown[0]},
            )
        return list(dict.fromkeys(codes))

    @classmethod
    def initial_for(cls, user: Any) -> dict[str, Any]:
        return {
            "display_name": user.display_name,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "username": user.username,
            "bio": user.bio,
            "languages": ", ".join(user.languages or []),
            "language": user.language,
            "time_zone": user.time_zone,
        }

    def profile_data(self) -> dict[str, Any]:
        """The values for ``user_profile_update(data=…)``."""
        names = (
            "display_name",
            "first_name",
            "last_name",
            "username",
            "bio",
            "languages",
            "language",
            "time_zone",
        )
        return {name: self.cleaned_data[name] for name in names}


class PreferencesForm(forms.Form):
    """One in-app and one e-mail checkbox per notification kind (``<kind>__in_app``)."""

    def __init__(self, *args: Any, preferences: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = preferences
        for item in preferences:
            for channel, label in (("in_app", _("In the app")), ("email", _("By e-mail"))):
                name = f"{item['kind']}__{channel}"
                self.fields[name] = forms.BooleanField(label=label, required=False)
                self.initial[name] = item[channel]

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "label": item["label"],
                "in_app": self[f"{item['kind']}__in_app"],
                "email": self[f"{item['kind']}__email"],
            }
            for item in self.kinds
        ]

    def preferences(self) -> list[dict[str, Any]]:
        return [
            {
                "kind": item["kind"],
                "in_app": self.cleaned_data[f"{item['kind']}__in_app"],
                "email": self.cleaned_data[f"{item['kind']}__email"],
            }
            for item in self.kinds
        ]
