"""Site pages of messaging, inside the /en/ and /ar/ patterns (``config/urls.py``)."""

from django.urls import URLPattern, URLResolver, path

from messaging import views

app_name = "messaging"

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/messages/", views.thread_list, name="threads"),
    path("me/messages/new/", views.thread_new, name="new"),
    path("me/messages/<int:thread_id>/", views.thread_detail, name="thread"),
    path("me/notifications/", views.notification_list, name="notifications"),
    path("me/notifications/read-all/", views.notification_read_all, name="notifications-read-all"),
    path(
        "me/notifications/unread-count/",
        views.notification_unread_count,
        name="notifications-unread-count",
    ),
    path(
        "me/notifications/<int:notification_id>/read/",
        views.notification_read,
        name="notification-read",
    ),
]
