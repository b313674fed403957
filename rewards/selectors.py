"""Every non-trivial read of the rewards app: ``<entity>_list`` / ``<entity>_get``."""
