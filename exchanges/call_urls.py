"""The video call page and the swap page's "Join the call" action (inside the /en/ and /ar/
patterns)."""

from django.urls import path

from exchanges import call_views

app_name = "calls"

urlpatterns = [
    path("calls/<int:call_id>/", call_views.call_page, name="call"),
    path("calls/join/<int:swap_id>/", call_views.call_join, name="join"),
]
