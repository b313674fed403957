"""Every write of the community app: ``<entity>_<action>(*, ...)`` under ``transaction.atomic``."""
