"""Staff analytics in the Wagtail admin (owner: H5)."""
