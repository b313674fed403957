"""Every non-trivial read of the cms app: ``<entity>_list`` / ``<entity>_get``."""
