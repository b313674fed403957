"""Events endpoints, mounted under /api/v1/ through community/api/urls.py.

``events/book/`` with ``event_id`` in the body is seed 004's spelling of ``events/{id}/book``
(docs/api.md, "Seed aliases").
"""

from community.events.api import views
from config.api.routing import endpoint

urlpatterns = [
    endpoint("events", views.EventListView.as_view(), name="event-list"),
    endpoint("events/book", views.EventBookAliasView.as_view(), name="event-book-alias"),
    endpoint("events/bookings", views.BookingListView.as_view(), name="event-booking-list"),
    endpoint("events/<int:pk>", views.EventDetailView.as_view(), name="event-detail"),
    endpoint("events/<int:pk>/book", views.EventBookView.as_view(), name="event-book"),
    endpoint(
        "events/<int:pk>/cancel-booking",
        views.EventCancelBookingView.as_view(),
        name="event-cancel-booking",
    ),
    endpoint(
        "events/<int:pk>/message-attendees",
        views.EventMessageAttendeesView.as_view(),
        name="event-message-attendees",
    ),
]
