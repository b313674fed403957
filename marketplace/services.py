"""Every write of the marketplace app: `<entity>_<action>(*, ...)`, atomic."""
