"""The demo's badges: eight bilingual definitions covering the counters, created once."""

from __future__ import annotations

from io import StringIO

import pytest

from accounts import demo as accounts_demo
from demo.context import DemoContext
from rewards import demo
from rewards.models import BadgeAward, BadgeDefinition

pytestmark = pytest.mark.django_db


def test_demo_badges_are_bilingual_cover_the_counters_and_are_created_once():
    # given
    context = DemoContext(users=4, stdout=StringIO())
    accounts_demo.seed(context)

    # when
    demo.seed(context)
    again = DemoContext(users=4, stdout=StringIO(), objects=context.objects)
    demo.seed(again)

    # then
    assert context.created["badges"] == 8
    assert again.created == {}
    assert BadgeDefinition.objects.count() == 8
    assert set(BadgeDefinition.objects.values_list("counter", flat=True)) == {
        "",
        "sessions_taught",
        "sessions_learned",
        "high_reviews",
        "answers_accepted",
        "events_hosted",
        "points_bought",
    }
    assert not BadgeDefinition.objects.filter(name_ar="").exists()
    assert BadgeAward.objects.filter(badge__slug="founding-member").count() == 3
