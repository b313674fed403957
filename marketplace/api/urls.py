"""Marketplace endpoints, mounted under /api/v1/ by config/api_v1.py.

``offers/`` is canonical; seed 001's ``gigs/`` and ``POST create-gig/`` answer the same bodies,
seed 002's ``skills/`` is the member's own listings (the same offers under seed 002's field
names) and ``skills/categories/`` is ``categories/``, and seed 003's ``user-availability/`` is
``availability/``. The skill catalogue is ``skills/catalogue/``. Every path works with or without
its trailing slash (docs/api.md, seed aliases).
"""

from config.api.routing import OptionalSlashRouter, endpoint
from marketplace.api import expiry_views, views

router = OptionalSlashRouter()
router.register("offers", views.OfferViewSet, basename="offer")
router.register("gigs", views.OfferViewSet, basename="gig")
router.register("skills/catalogue", views.SkillViewSet, basename="skill")
router.register("skills", views.ListingViewSet, basename="listing")
router.register("user-skills", views.UserSkillViewSet, basename="user-skill")
router.register(
    "availability/exceptions", views.AvailabilityExceptionViewSet, basename="availability-exception"
)
router.register("availability", views.AvailabilityViewSet, basename="availability")
router.register("user-availability", views.AvailabilityViewSet, basename="user-availability")
router.register("matches", views.MatchViewSet, basename="match")

urlpatterns = [
    endpoint("categories", views.CategoryListView.as_view(), name="category-list"),
    endpoint("skills/categories", views.CategoryListView.as_view(), name="skill-category-list"),
    endpoint("create-gig", views.OfferViewSet.as_view({"post": "create"}), name="create-gig"),
    endpoint("offers/<int:pk>/renew", expiry_views.OfferRenewView.as_view(), name="offer-renew"),
    *router.urls,
]
