"""Every write of the billing app: ``<entity>_<action>(*, ...)`` under ``transaction.atomic``."""
