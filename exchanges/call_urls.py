"""The video call page (inside the /en/ and /ar/ patterns)."""

from django.urls import path

from exchanges import call_views

app_name = "calls"

urlpatterns = [
    path("calls/<int:call_id>/", call_views.call_page, name="call"),
]
