"""Public pages of events (mounted in config/urls.py inside /en/ and /ar/).

Events themselves are Wagtail pages under /events/; these are the member's bookings and the
booking forms' addresses (signed in, never cached).
"""

from django.urls import URLPattern, URLResolver, path

from community.events import views

app_name = "events"

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/events/", views.booking_list, name="bookings"),
    path("me/events/<int:event_id>/book/", views.event_book, name="book"),
    path("me/events/<int:event_id>/cancel/", views.event_cancel_booking, name="cancel"),
    path("me/events/<int:event_id>/message/", views.event_message_attendees, name="message"),
]
