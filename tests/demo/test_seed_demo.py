"""seed_demo (the demo app, top of the dependency graph) seeds once; a second run adds nothing."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        # (unmanaged models have no table: dashboards.Analytics only holds a permission)
        if not model._meta.proxy
        and model._meta.managed
        and model._meta.app_label not in {"sessions"}
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
    assert sorted(editor.groups.values_list("name", flat=True)) == ["Editors", "Members"]
    assert (admin.role, moderator.role, editor.role) == ("admin", "moderator", "member")
    assert User.objects.filter(email__startswith="member").count() == 5
    assert admin.check_password("skillswap-demo-2026")
    assert "admin@skillswap.test" in out.getvalue()
    assert "skillswap-demo-2026" in out.getvalue()


def test_seed_demo_members_have_complete_bilingual_profiles_and_roles():
    from accounts.models import User

    call_command("seed_demo", "--users", "12", stdout=StringIO())

    members = list(User.objects.filter(email__startswith="member").order_by("pk"))
    assert len(members) == 12
    for member in members:
        assert member.first_name
        assert member.last_name
        assert member.display_name
        assert member.bio
        assert member.city
        assert member.country
        assert member.latitude is not None
        assert member.longitude is not None
        assert member.languages
        assert member.interests["interests"]
        assert member.interests["communication_style"]
        assert member.time_zone != "UTC"
        member.full_clean()
    arabic = [member for member in members if "\u0600" <= member.first_name[0] <= "\u06ff"]
    english = [member for member in members if member.first_name.isascii()]
    assert len(arabic) == 6
    assert len(english) == 6
    assert {member.language for member in arabic} == {"ar"}
    assert {member.role for member in members} == {"member", "expert"}
    assert [member.role for member in members].count("expert") == 4
    assert members[2].has_perm("accounts.sell_paid_sessions")


def test_seed_demo_lives_in_the_demo_app_not_in_cms():
    from django.core.management import get_commands

    assert get_commands()["seed_demo"] == "demo"
