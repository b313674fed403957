"""Every write of the messaging app: ``<entity>_<action>(*, ...)`` under ``transaction.atomic``."""
