"""Group events (Wagtail pages), bookings, the waiting list, paid seats held in escrow."""
