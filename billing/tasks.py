"""Celery tasks: `<service>_task`, fetch by id, call a service; idempotent."""
