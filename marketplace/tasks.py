"""Celery tasks: `<service>_task`, fetch by id, call a service; idempotent."""

from celery import shared_task

from marketplace import services


@shared_task
def matches_recompute_for_user_task(user_id: int) -> int:
    """Rescore the member's matches (their skills, languages, location or availability changed)."""
    return services.matches_recompute_for_user(user_id=user_id)


@shared_task
def offers_reindex_for_skill_task(skill_id: int) -> int:
    """Rebuild the search documents of the offers naming a renamed skill."""
    return services.offers_reindex_for_skill(skill_id=skill_id)


@shared_task
def offers_reindex_for_category_task(category_id: int) -> int:
    """Rebuild the search documents of the offers in a renamed category."""
    return services.offers_reindex_for_category(category_id=category_id)


@shared_task
def offers_expiry_remind_task() -> int:
    """Celery beat, daily: remind owners whose offers expire soon (once per expiry period)."""
    from marketplace.services.expiry import offers_expiry_remind

    return offers_expiry_remind()
