"""Demo data of moderation (demo/management/commands/seed_demo.py): two open reports, two tickets.

Idempotent: a report that is already open is returned by ``report_create`` and a ticket is looked
up by member and subject. Runs after forums, so a forum post is reported when forums made some.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps

from accounts.demo import member_email
from accounts.models import User
from community.moderation import services
from community.moderation.models import Ticket
from community.moderation.targets import reportable
from demo.context import DemoContext

TICKETS = [
    (
        0,
        "I bought points but my balance did not change",
        "I paid for the 100 points package an hour ago and my balance still shows the old amount.",
        "payments",
    ),
    (
        1,
        "لا أستطيع تغيير صورتي الشخصية",
        "عند رفع صورة جديدة تظهر رسالة خطأ. جرّبت صيغة PNG وJPEG.",
        "technical",
    ),
]


def _members() -> list[User]:
    emails = [member_email(index) for index in range(1, 7)]
    found = {user.email: user for user in User.objects.filter(email__in=emails)}
    return [found[email] for email in emails if email in found]


def _forum_post(exclude: User) -> Any:
    if reportable("post") is None:
        return None
    try:
        model = apps.get_model("community_forums", "Post")
    except LookupError:
        return None
    author_field = "author" if any(f.name == "author" for f in model._meta.fields) else None
    queryset = model._default_manager.order_by("pk")
    if author_field:
        queryset = queryset.exclude(**{author_field: exclude})
    return queryset.first()


def _an_offer(exclude: User) -> Any:
    from marketplace.models import Offer, OfferStatus

    return (
        Offer.objects.filter(status=OfferStatus.ACTIVE)
        .exclude(owner=exclude)
        .order_by("pk")
        .first()
    )


def seed(context: DemoContext) -> None:
    """Two open reports (a forum post or an offer, and a member) and two support tickets."""
    members = _members()
    if len(members) < 3:
        return
    reporter, other_reporter, reported_member = members[0], members[1], members[2]
    post = _forum_post(exclude=reporter)
    if post is not None:
        target_type, target = "post", post
    else:
        target_type, target = "offer", _an_offer(exclude=reporter)
    if target is not None:
        _report, created = services.report_create(
            reporter=reporter,
            target_type=target_type,
            target_id=target.pk,
            reason="spam",
            details="Posted the same advert in several places.",
        )
        context.count("reports", created)
    _report, created = services.report_create(
        reporter=other_reporter,
        target_type="user",
        target_id=reported_member.pk,
        reason="harassment",
        details="رسائل مزعجة متكررة بعد أن طلبت التوقف.",
    )
    context.count("reports", created)
    for index, subject, body, category in TICKETS:
        member = members[index]
        if Ticket.objects.filter(member=member, subject=subject).exists():
            continue
        services.ticket_create(member=member, subject=subject, body=body, category=category)
        context.count("support tickets", True)
