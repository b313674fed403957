"""Object permissions of the rewards API."""
