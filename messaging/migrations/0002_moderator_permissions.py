"""Moderators (Wagtail's "Moderators" group) review reported messages in the admin.

Permissions are spelled out (get_or_create: post_migrate has not filled the table yet on a fresh
database), as a migration must keep doing what it did when it was written.
"""

from django.db import migrations

PERMISSIONS = [
    ("view_messagereport", "Can view reported message"),
    ("change_messagereport", "Can change reported message"),
]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    group, _ = Group.objects.using(db).get_or_create(name="Moderators")
    content_type, _ = ContentType.objects.using(db).get_or_create(
        app_label="messaging", model="messagereport"
    )
    for codename, name in PERMISSIONS:
        permission, _ = Permission.objects.using(db).get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Moderators").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="messaging",
                codename__in=[codename for codename, _ in PERMISSIONS],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        # Wagtail's initial data creates "Moderators" (with admin access).
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
