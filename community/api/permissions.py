"""Object permissions of the community API."""
