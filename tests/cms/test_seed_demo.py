"""seed_demo creates the demo platform once; a second run creates nothing."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if not model._meta.proxy and model._meta.app_label not in {"sessions"}
    }


def test_seed_demo_twice_creates_nothing_new():
    first = StringIO()
    call_command("seed_demo", "--users", "6", stdout=first)
    after_first = _row_counts()

    second = StringIO()
    call_command("seed_demo", "--users", "6", stdout=second)

    assert _row_counts() == after_first
    assert "nothing created" in second.getvalue()


def test_seed_demo_creates_staff_roles_and_members():
    from accounts.models import User

    out = StringIO()
    call_command("seed_demo", "--users", "5", stdout=out)

    admin = User.objects.get(email="admin@skillswap.test")
    moderator = User.objects.get(email="moderator@skillswap.test")
    editor = User.objects.get(email="editor@skillswap.test")
    assert admin.is_superuser
    assert list(moderator.groups.values_list("name", flat=True)) == ["Moderators"]
    assert list(editor.groups.values_list("name", flat=True)) == ["Editors"]
    assert User.objects.filter(email__startswith="member").count() == 5
    assert admin.check_password("skillswap-demo-2026")
    assert "admin@skillswap.test" in out.getvalue()
    assert "skillswap-demo-2026" in out.getvalue()
