"""Every non-trivial read of the messaging app: ``<entity>_list`` / ``<entity>_get``."""
