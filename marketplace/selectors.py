"""Every non-trivial read of the marketplace app: ``<entity>_list`` / ``<entity>_get``."""
