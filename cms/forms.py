"""Admin forms of the cms app."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from wagtail.images.forms import BaseImageForm


class ImageForm(BaseImageForm):
    """Wagtail's image form with the alt text required (``WAGTAILIMAGES_IMAGE_FORM_BASE``).

    Wagtail's ``description`` field is the alt text: ``{% image %}`` and rich-text insertion use
    it as ``alt`` (``Image.default_alt_text``). An image without one cannot be saved, so no
    image reaches a page without a text alternative.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        description = self.fields.get("description")
        if description is not None:
            description.required = True
            description.label = _("Alt text")
            description.help_text = _(
                "Describe the image for people who cannot see it; it is read out by screen "
                "readers and shown when the image does not load."
            )
