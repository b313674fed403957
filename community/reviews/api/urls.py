"""Reviews endpoints, mounted under /api/v1/ through community/api/urls.py.

``reviews/`` (the caller's own; POST creates, with seed 003's body too), ``reviews/{user_id}/``
(a member's published reviews, public), ``reviews/{user_id}/{id}/`` (one review; PATCH edits),
``…/reply``; seed 004's ``feedback/``.
"""

from community.reviews.api import views
from config.api.routing import endpoint

urlpatterns = [
    endpoint("reviews", views.ReviewListCreateView.as_view(), name="review-list"),
    endpoint("reviews/<int:user_id>", views.ReviewUserListView.as_view(), name="review-user-list"),
    endpoint(
        "reviews/<int:user_id>/<int:pk>", views.ReviewDetailView.as_view(), name="review-detail"
    ),
    endpoint(
        "reviews/<int:user_id>/<int:pk>/reply", views.ReviewReplyView.as_view(), name="review-reply"
    ),
    endpoint("feedback", views.FeedbackListCreateView.as_view(), name="feedback-list"),
]
