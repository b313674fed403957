"""Object permissions of the exchanges API."""
