"""Celery tasks of the community app: ``<service>_task``, fetch by id, call a service; idempotent."""
