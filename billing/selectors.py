"""Every non-trivial read of the billing app: ``<entity>_list`` / ``<entity>_get``."""
