"""Reviews of completed swaps, the reviewee's reply, and the rating aggregate."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    """Reviews of completed swaps, the reviewee's reply, and the rating aggregate."""

    name = "community.reviews"
    label = "community_reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        # Lower apps show reviews through their hooks; they never import this app.
        from accounts import extensions as accounts_extensions
        from community.reviews import selectors, services
        from exchanges import extensions as exchanges_extensions

        exchanges_extensions.set_swap_reviews_provider(selectors.swap_reviews_seed003)
        accounts_extensions.register_export_section("reviews", services.reviews_export)
        _activity_recount_register()


def _activity_recount_register() -> None:
    """Tell ``manage.py rewards_recount`` how to count, from the reviews table, what publishing
    and editing reviews record (``services._activity_on_published``)."""
    from community.reviews import selectors
    from rewards.activity import register_recount
    from rewards.models import Counter

    register_recount(Counter.REVIEWS_RECEIVED, selectors.activity_reviews_received)
    register_recount(Counter.RATING_POINTS, selectors.activity_rating_points)
    register_recount(Counter.HIGH_REVIEWS, selectors.activity_high_reviews)
