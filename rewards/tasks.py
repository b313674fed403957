"""Celery tasks of the rewards app: ``<service>_task``, fetch by id, call a service; idempotent."""
