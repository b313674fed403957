"""Forums endpoints, mounted under /api/v1/ through community/api/urls.py (docs/api.md, "Forums").

``forums/``, ``forums/{thread_id}/`` and ``forums/{thread_id}/replies`` are seeds 000 and 001's
paths; posts are edited and deleted at ``forums/posts/{post_id}``.
"""

from community.forums.api import views
from config.api.routing import endpoint

urlpatterns = [
    endpoint("forums", views.ForumListCreateView.as_view(), name="forum-list"),
    endpoint("forums/posts/<int:post_id>", views.PostDetailView.as_view(), name="forum-post"),
    endpoint("forums/<int:thread_id>", views.ThreadDetailView.as_view(), name="forum-thread"),
    endpoint(
        "forums/<int:thread_id>/replies",
        views.ThreadRepliesView.as_view(),
        name="forum-thread-replies",
    ),
    endpoint("forums/<int:thread_id>/pin", views.ThreadPinView.as_view(), name="forum-pin"),
    endpoint("forums/<int:thread_id>/unpin", views.ThreadUnpinView.as_view(), name="forum-unpin"),
    endpoint("forums/<int:thread_id>/lock", views.ThreadLockView.as_view(), name="forum-lock"),
    endpoint(
        "forums/<int:thread_id>/unlock", views.ThreadUnlockView.as_view(), name="forum-unlock"
    ),
    endpoint("forums/<int:thread_id>/move", views.ThreadMoveView.as_view(), name="forum-move"),
    endpoint(
        "forums/<int:thread_id>/answer", views.ThreadAnswerView.as_view(), name="forum-answer"
    ),
    endpoint(
        "forums/<int:thread_id>/subscribe",
        views.ThreadSubscribeView.as_view(),
        name="forum-subscribe",
    ),
    endpoint(
        "forums/<int:thread_id>/unsubscribe",
        views.ThreadUnsubscribeView.as_view(),
        name="forum-unsubscribe",
    ),
]
