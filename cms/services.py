"""Every write of the cms app: ``<entity>_<action>(*, ...)`` under ``transaction.atomic``."""
