"""Every non-trivial read of the accounts app: ``<entity>_list`` / ``<entity>_get``."""
