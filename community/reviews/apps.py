from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    """Reviews of completed swaps, the reviewee's reply, and the rating aggregate."""

    name = "community.reviews"
    label = "community_reviews"
    verbose_name = _("Reviews")
