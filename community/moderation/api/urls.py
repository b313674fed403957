"""Moderation endpoints, mounted under /api/v1/ through community/api/urls.py."""

from django.urls import path

from community.moderation.api import views

urlpatterns = [
    path("reports/", views.ReportListCreateView.as_view(), name="report-list"),
    path("support/tickets/", views.TicketListCreateView.as_view(), name="support-ticket-list"),
    path(
        "support/tickets/<int:pk>/",
        views.TicketDetailView.as_view(),
        name="support-ticket-detail",
    ),
    path(
        "support/tickets/<int:pk>/replies",
        views.TicketReplyView.as_view(),
        name="support-ticket-replies",
    ),
    path("admin/tickets/", views.StaffTicketListView.as_view(), name="admin-ticket-list"),
    path(
        "admin/tickets/<int:pk>/",
        views.StaffTicketDetailView.as_view(),
        name="admin-ticket-detail",
    ),
    path(
        "admin/tickets/<int:pk>/replies",
        views.StaffTicketReplyView.as_view(),
        name="admin-ticket-replies",
    ),
    path("admin/friends/", views.FriendListView.as_view(), name="admin-friend-list"),
]
