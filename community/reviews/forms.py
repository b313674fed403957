"""The review and reply forms of the site's pages (no JavaScript needed)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import CleanTextField
from community.reviews.models import Tag
from community.reviews.services import COMMENT_MAX

RATING_CHOICES = [(stars, str(stars)) for stars in range(5, 0, -1)]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating (5 is best)"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = CleanTextField(
        label=_("Your review"),
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What went well, what could be better. Shown on their public profile."),
    )
    tags = forms.MultipleChoiceField(
        label=_("Tags"),
        choices=Tag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class ReplyForm(forms.Form):
    reply = CleanTextField(
        label=_("Your reply"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("You can reply once; it is shown under the review."),
    )
