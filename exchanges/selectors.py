"""Every non-trivial read of the exchanges app: ``<entity>_list`` / ``<entity>_get``."""
