"""Moderators and administrators work the moderation queue and the support tickets.

Permissions are spelled out (get_or_create: post_migrate has not filled the table yet on a fresh
database), as a migration must keep doing what it did when it was written.
"""

from django.db import migrations

PERMISSIONS = [
    ("report", "view_report", "Can view report"),
    ("report", "change_report", "Can change report"),
    ("report", "moderate_report", "Can act on reports from the moderation queue"),
    ("memberwarning", "view_memberwarning", "Can view warning"),
    ("ticket", "view_ticket", "Can view support ticket"),
    ("ticket", "change_ticket", "Can change support ticket"),
    ("ticketreply", "view_ticketreply", "Can view ticket reply"),
    ("ticketreply", "add_ticketreply", "Can add ticket reply"),
]
GROUPS = ("Moderators", "Administrators")


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    permissions = []
    for model, codename, name in PERMISSIONS:
        content_type, _ = ContentType.objects.using(db).get_or_create(
            app_label="community_moderation", model=model
        )
        permission, _ = Permission.objects.using(db).get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        permissions.append(permission)
    for name in GROUPS:
        group, _ = Group.objects.using(db).get_or_create(name=name)
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="community_moderation",
        codename__in=[codename for _, codename, _ in PERMISSIONS],
    )
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("community_moderation", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0002_initial_data"),
        ("accounts", "0005_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
