"""Public pages of forums (mounted in config/urls.py inside /en/ and /ar/).

Categories and threads are Wagtail pages under /forums/ (``ForumCategoryPage``'s routes); these
are the stable addresses of a thread and a post, redirecting to their page in the visitor's
language (the moderation queue and notifications link here).
"""

from django.urls import path

from community.forums import views

app_name = "forums"

urlpatterns = [
    path("forums/threads/<int:thread_id>/", views.thread_redirect, name="thread"),
    path("forums/posts/<int:post_id>/", views.post_redirect, name="post"),
]
