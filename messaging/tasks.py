"""Celery tasks of the messaging app: ``<service>_task``, fetch by id, call a service; idempotent."""
