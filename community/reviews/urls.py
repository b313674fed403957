"""Public pages of reviews (mounted in config/urls.py inside /en/ and /ar/).

The reviews themselves show on the public profile (``{% profile_reviews %}``) and on the swap page
(``{% swap_reviews %}``); these addresses take the forms' posts and show a form again with its
errors.
"""

from django.urls import path

from community.reviews import views

app_name = "reviews"

urlpatterns = [
    # Not me/swaps/<id>/review/: exchanges' me/swaps/<id>/<action>/ (mounted first) answers it.
    path("me/reviews/new/<int:swap_id>/", views.review_new, name="new"),
    path("me/reviews/", views.review_list, name="mine"),
    path("me/reviews/<int:review_id>/edit/", views.review_edit, name="edit"),
    path("me/reviews/<int:review_id>/reply/", views.review_reply, name="reply"),
]
