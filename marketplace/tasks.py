"""Celery tasks of the marketplace app: ``<service>_task``, fetch by id, call a service; idempotent."""
