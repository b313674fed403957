"""Celery tasks of the cms app: ``<service>_task``, fetch by id, call a service; idempotent."""
