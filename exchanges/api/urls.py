"""Exchanges endpoints, mounted under /api/v1/ by config/api_v1.py.

``swaps/`` is canonical; ``meetings/`` (seed 003), ``sessions/`` (seed 004) and
``points/orders/`` (seed 002, paid swaps) serve the same swaps in their seeds' vocabulary
(docs/api.md, "Seed aliases"). ``points/transfer/`` and seed 003's ``credits/transfer/`` are
here, not in rewards: a transfer may be for a meeting, and only exchanges knows swaps.
"""

from config.api.routing import endpoint
from exchanges.api import views

urlpatterns = [
    endpoint("swaps", views.SwapListCreateView.as_view(), name="swap-list"),
    endpoint("swaps/<int:pk>", views.SwapDetailView.as_view(), name="swap-detail"),
    endpoint("swaps/<int:pk>/accept", views.SwapAcceptView.as_view(), name="swap-accept"),
    endpoint("swaps/<int:pk>/reject", views.SwapRejectView.as_view(), name="swap-reject"),
    endpoint("swaps/<int:pk>/cancel", views.SwapCancelView.as_view(), name="swap-cancel"),
    endpoint(
        "swaps/<int:pk>/reschedule", views.SwapRescheduleView.as_view(), name="swap-reschedule"
    ),
    endpoint(
        "swaps/<int:pk>/accept-reschedule",
        views.SwapAcceptRescheduleView.as_view(),
        name="swap-accept-reschedule",
    ),
    endpoint(
        "swaps/<int:pk>/decline-reschedule",
        views.SwapDeclineRescheduleView.as_view(),
        name="swap-decline-reschedule",
    ),
    endpoint("swaps/<int:pk>/complete", views.SwapCompleteView.as_view(), name="swap-complete"),
    endpoint("swaps/<int:pk>/dispute", views.SwapDisputeView.as_view(), name="swap-dispute"),
    endpoint(
        "swaps/<int:pk>/sync-calendar",
        views.SwapCalendarSyncView.as_view(),
        name="swap-sync-calendar",
    ),
    endpoint("meetings", views.MeetingListCreateView.as_view(), name="meeting-list"),
    endpoint("meetings/<int:pk>", views.MeetingDetailView.as_view(), name="meeting-detail"),
    endpoint(
        "meetings/<int:pk>/update_status",
        views.MeetingUpdateStatusView.as_view(),
        name="meeting-update-status",
    ),
    endpoint("sessions", views.SessionListCreateView.as_view(), name="session-list"),
    endpoint("sessions/<int:pk>", views.SessionDetailView.as_view(), name="session-detail"),
    endpoint("points/orders", views.OrderListCreateView.as_view(), name="order-list"),
    endpoint("points/orders/<int:pk>", views.OrderDetailView.as_view(), name="order-detail"),
    endpoint("points/transfer", views.PointsTransferView.as_view(), name="points-transfer"),
    endpoint("credits/transfer", views.CreditsTransferView.as_view(), name="credits-transfer"),
    endpoint("video-calls", views.VideoCallListCreateView.as_view(), name="video-call-list"),
    endpoint("video-calls/<int:pk>", views.VideoCallDetailView.as_view(), name="video-call-detail"),
    endpoint("video-calls/<int:pk>/end", views.VideoCallEndView.as_view(), name="video-call-end"),
    endpoint("calendar/feed", views.CalendarFeedView.as_view(), name="calendar-feed"),
    endpoint(
        "calendar/feed/reset", views.CalendarFeedResetView.as_view(), name="calendar-feed-reset"
    ),
    endpoint(r"calendar\.ics", views.CalendarIcsView.as_view(), name="calendar-ics"),
]
