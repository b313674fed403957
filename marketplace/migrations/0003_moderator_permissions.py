"""Give the moderator and administrator groups the marketplace permissions they need.

Moderators (Wagtail's "Moderators" group, seed 004's managers) edit the catalogue, moderate offers
and manage matches; administrators may also delete catalogue entries. The permission table is
filled by post_migrate, which has not run yet on a fresh database, so the permissions are created
here (get_or_create: post_migrate finds them later). The groups are get_or_create too: accounts'
role migration creates "Administrators" the same way, in whichever order the two run.
"""

from django.db import migrations

MODERATOR = [
    ("category", "view_category", "Can view category"),
    ("category", "add_category", "Can add category"),
    ("category", "change_category", "Can change category"),
    ("skill", "view_skill", "Can view skill"),
    ("skill", "add_skill", "Can add skill"),
    ("skill", "change_skill", "Can change skill"),
    ("offer", "view_offer", "Can view offer"),
    ("offer", "moderate_offer", "Can moderate offers (approve, remove with a reason)"),
    ("match", "view_match", "Can view match"),
    ("match", "add_match", "Can add match"),
    ("match", "delete_match", "Can delete match"),
]
ADMINISTRATOR = [
    *MODERATOR,
    ("category", "delete_category", "Can delete category"),
    ("skill", "delete_skill", "Can delete skill"),
]
GROUPS = {"Moderators": MODERATOR, "Administrators": ADMINISTRATOR}


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for group_name, permissions in GROUPS.items():
        group, _ = Group.objects.using(db).get_or_create(name=group_name)
        for model, codename, name in permissions:
            content_type, _ = ContentType.objects.using(db).get_or_create(
                app_label="marketplace", model=model
            )
            permission, _ = Permission.objects.using(db).get_or_create(
                content_type=content_type, codename=codename, defaults={"name": name}
            )
            group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    codenames = {codename for _, codename, _ in ADMINISTRATOR}
    permissions = Permission.objects.filter(
        content_type__app_label="marketplace", codename__in=codenames
    )
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0002_postgresql_search"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        # Wagtail creates "Moderators"; run after it so the group is Wagtail's own.
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
