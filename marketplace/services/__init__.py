"""Every write of the marketplace app: ``<entity>_<action>(*, ...)``, atomic, one module per topic.

- ``skills``: name resolution, skill suggestions and their review, user skills;
- ``offers``: offers, moderation, reports, search documents;
- ``offer_images``: offer pictures (prepared and stored before any row lock);
- ``availability``: weekly slots and dated exceptions;
- ``matches``: candidates, scoring in bulk, recomputation, answers;
- ``members``: the hooks accounts calls (profile changes, deletion, export, profile skills).

Side effects (match recomputation, search re-indexing, notifications) run after commit. Every
public name is re-exported here, so callers keep writing ``services.offer_create(...)``.
"""

from marketplace.services.availability import (
    availability_exception_create,
    availability_exception_delete,
    availability_exception_update,
    availability_slot_create,
    availability_slot_delete,
    availability_slot_update,
)
from marketplace.services.matches import (
    match_candidate_ids,
    match_create,
    match_delete,
    match_profiles,
    match_respond,
    matches_recompute_for_user,
    schedule_match_recompute,
)
from marketplace.services.members import (
    MATCH_PROFILE_FIELDS,
    on_profile_changed,
    on_user_deleted,
    profile_skills_apply,
    user_export,
)
from marketplace.services.offer_images import (
    offer_image_delete,
    offer_image_limits,
    offer_images_add,
    offer_images_reorder,
)
from marketplace.services.offers import (
    OFFER_EDITABLE_FIELDS,
    offer_approve,
    offer_create,
    offer_moderate_remove,
    offer_remove,
    offer_report,
    offer_search_refresh,
    offer_update,
    offers_reindex_for_category,
    offers_reindex_for_skill,
    search_vocabulary_add,
)
from marketplace.services.skills import (
    skill_find_by_name,
    skill_get_or_create_by_name,
    skill_get_or_suggest,
    skill_suggestion_approve,
    skill_suggestion_reject,
    skills_resolve,
    user_skill_create,
    user_skill_delete,
    user_skill_update,
    user_skills_set_offered,
)

__all__ = [
    "MATCH_PROFILE_FIELDS",
    "OFFER_EDITABLE_FIELDS",
    "availability_exception_create",
    "availability_exception_delete",
    "availability_exception_update",
    "availability_slot_create",
    "availability_slot_delete",
    "availability_slot_update",
    "match_candidate_ids",
    "match_create",
    "match_delete",
    "match_profiles",
    "match_respond",
    "matches_recompute_for_user",
    "offer_approve",
    "offer_create",
    "offer_image_delete",
    "offer_image_limits",
    "offer_images_add",
    "offer_images_reorder",
    "offer_moderate_remove",
    "offer_remove",
    "offer_report",
    "offer_search_refresh",
    "offer_update",
    "offers_reindex_for_category",
    "offers_reindex_for_skill",
    "on_profile_changed",
    "on_user_deleted",
    "profile_skills_apply",
    "schedule_match_recompute",
    "search_vocabulary_add",
    "skill_find_by_name",
    "skill_get_or_create_by_name",
    "skill_get_or_suggest",
    "skill_suggestion_approve",
    "skill_suggestion_reject",
    "skills_resolve",
    "user_export",
    "user_skill_create",
    "user_skill_delete",
    "user_skill_update",
    "user_skills_set_offered",
]
