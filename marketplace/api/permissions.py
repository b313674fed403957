"""Object permissions of the marketplace API."""
