"""Object permissions of the messaging API."""
