"""Site pages of the exchanges app (inside the /en/ and /ar/ patterns)."""

from django.urls import path

from exchanges import views

app_name = "exchanges"

urlpatterns = [
    path("calls/<int:call_id>/", views.call_page, name="call"),
]
