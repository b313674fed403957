"""Give the staff roles their exchanges permissions.

Moderators and administrators see swaps and the video call log in the Wagtail admin and resolve
disputes. Groups are fetched or created by name like accounts' role-group migration does, so the
migrations can run in either order; permissions are created here because post_migrate (which
normally creates them) has not run yet on a fresh database.
"""

from django.db import migrations

PERMISSIONS = [
    ("swap", "view_swap", "Can view swap"),
    ("swap", "resolve_dispute", "Can resolve swap disputes"),
    ("videocall", "view_videocall", "Can view video call"),
]
GROUPS = ("Administrators", "Moderators")


def _permissions(apps, db):
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, codename, name in PERMISSIONS:
        content_type, _ = ContentType.objects.using(db).get_or_create(
            app_label="exchanges", model=model
        )
        permission, _ = Permission.objects.using(db).get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        yield permission


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    for name in GROUPS:
        group, _ = Group.objects.using(db).get_or_create(name=name)
        group.permissions.add(*_permissions(apps, db))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    for name in GROUPS:
        group = Group.objects.using(db).filter(name=name).first()
        if group is not None:
            group.permissions.remove(*_permissions(apps, db))


class Migration(migrations.Migration):
    dependencies = [
        ("exchanges", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        # Wagtail creates the "Moderators" group in its initial data: run after it.
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
