"""Every write of the rewards app: ``<entity>_<action>(*, ...)`` under ``transaction.atomic``."""
