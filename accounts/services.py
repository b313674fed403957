"""Every write of the accounts app: ``<entity>_<action>(*, ...)`` under ``transaction.atomic``."""
