"""Object permissions of the accounts API."""
