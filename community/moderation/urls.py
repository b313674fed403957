"""Public pages of moderation (mounted in config/urls.py inside /en/ and /ar/)."""

from django.urls import path

from community.moderation import views

app_name = "moderation"

urlpatterns = [
    path("report/", views.report, name="report"),
    path("support/", views.support, name="support"),
    path("me/tickets/", views.ticket_list, name="tickets"),
    path("me/tickets/<int:ticket_id>/", views.ticket_detail, name="ticket"),
]
