"""core/compiled.py: a .values() queryset compiled once per alias and language, run with new
parameters, answers what the queryset answers."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.models import User
from core.compiled import CompiledValues
from marketplace.models import Category
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def _members(*, user_id):
    return User.objects.filter(pk=user_id, is_active=True).values("id", "email", "last_login")


def test_rows_are_the_querysets_rows_with_converted_values():
    # given
    ann = UserFactory(email="ann@example.test")
    User.objects.filter(pk=ann.pk).update(last_login=datetime(2026, 2, 3, 4, 5, tzinfo=UTC))
    members = CompiledValues(User, _members)

    # when
    rows = members.rows(user_id=ann.pk)

    # then
    assert rows == list(_members(user_id=ann.pk))
    assert rows[0]["last_login"] == datetime(2026, 2, 3, 4, 5, tzinfo=UTC)
    assert members.rows(user_id=ann.pk + 1000) == []


def test_the_sql_is_compiled_once_and_sent_as_one_query(monkeypatch):
    # given
    ann, bob = UserFactory(), UserFactory()
    members = CompiledValues(User, _members)
    members.rows(user_id=ann.pk)
    monkeypatch.setattr(members, "_compile", None)  # a second compile would fail

    # when
    with CaptureQueriesContext(connection) as queries:
        rows = members.rows(user_id=bob.pk)

    # then
    assert [row["id"] for row in rows] == [bob.pk]
    assert len(queries) == 1


def test_translated_fields_come_as_each_languages_column():
    # given: modeltranslation turns values("name") into every language's column
    category = CategoryFactory(name_en="Music", name_ar="موسيقى")
    names = CompiledValues(
        Category, lambda *, category_id: Category.objects.filter(pk=category_id).values("name")
    )

    # when
    with translation.override("ar"):
        arabic = names.rows(category_id=category.pk)

    # then: the caller picks the language (and its fallback)
    assert arabic == [{"name_en": "Music", "name_ar": "موسيقى"}]


def test_a_parameter_not_used_as_one_value_is_refused():
    # given: the marker ends up inside a LIKE pattern, not as a parameter of its own
    members = CompiledValues(
        User, lambda *, email: User.objects.filter(email__contains=email).values("id")
    )

    # when / then
    with pytest.raises(ValueError, match="exactly once"):
        members.rows(email="ann")
