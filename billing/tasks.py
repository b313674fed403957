"""Celery tasks of the billing app: ``<service>_task``, fetch by id, call a service; idempotent."""
