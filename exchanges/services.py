"""Every write of the exchanges app: ``<entity>_<action>(*, ...)`` under ``transaction.atomic``."""
