"""Object permissions of the billing API."""
