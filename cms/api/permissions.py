"""Object permissions of the cms API."""
