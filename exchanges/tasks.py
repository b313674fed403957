"""Celery tasks of the exchanges app: ``<service>_task``, fetch by id, call a service; idempotent."""
