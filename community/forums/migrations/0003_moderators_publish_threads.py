"""Moderators and administrators may publish threads: approving the "Forum approval" task
publishes the thread's revision as the approving moderator (Wagtail checks that permission)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ("Moderators", "Administrators")


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("community_forums")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    # Wagtail creates "publish" permissions of snippets after migrating (post_migrate); create it
    # now, as Wagtail would, so that the groups can hold it (Wagtail then finds it there).
    thread_type, _ = ContentType.objects.get_or_create(app_label="community_forums", model="thread")
    publish, _ = Permission.objects.get_or_create(
        content_type=thread_type,
        codename="publish_thread",
        defaults={"name": "Can publish forum thread"},
    )
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(publish)


class Migration(migrations.Migration):
    dependencies = [("community_forums", "0002_forum_approval_workflow")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
