"""Every non-trivial read of the community app: ``<entity>_list`` / ``<entity>_get``."""
