"""Marketplace endpoints, mounted under /api/v1/ by config/api_v1.py.

``offers/`` is canonical; seed 001's ``gigs/`` and ``POST create-gig/`` answer the same bodies,
and seed 003's ``user-availability/`` is ``availability/``. Every path works with or without its
trailing slash.
"""

from config.api.routing import OptionalSlashRouter, endpoint
from marketplace.api import views

router = OptionalSlashRouter()
router.register("offers", views.OfferViewSet, basename="offer")
router.register("gigs", views.OfferViewSet, basename="gig")
router.register("skills", views.SkillViewSet, basename="skill")
router.register("user-skills", views.UserSkillViewSet, basename="user-skill")
router.register(
    "availability/exceptions", views.AvailabilityExceptionViewSet, basename="availability-exception"
)
router.register("availability", views.AvailabilityViewSet, basename="availability")
router.register("user-availability", views.AvailabilityViewSet, basename="user-availability")
router.register("matches", views.MatchViewSet, basename="match")

urlpatterns = [
    endpoint("categories", views.CategoryListView.as_view(), name="category-list"),
    endpoint("create-gig", views.OfferViewSet.as_view({"post": "create"}), name="create-gig"),
    *router.urls,
]
