"""Give the staff roles their ledger permissions.

Administrators read the ledger and grant points; moderators read it (disputes, support). Groups
are fetched or created by name like accounts' role-group migration does, so the two migrations
can run in either order. Permissions are created here because post_migrate (which normally
creates them) has not run yet on a fresh database.
"""

from django.db import migrations

VIEW = [
    ("ledgeraccount", "view_ledgeraccount", "Can view ledger account"),
    ("transfer", "view_transfer", "Can view transfer"),
    ("entry", "view_entry", "Can view ledger entry"),
]
GRANT = [("transfer", "grant_points", "Can grant points to members")]
GROUPS = {"Administrators": VIEW + GRANT, "Moderators": VIEW}


def _permissions(apps, db, permissions):
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, codename, name in permissions:
        content_type, _ = ContentType.objects.using(db).get_or_create(
            app_label="rewards", model=model
        )
        permission, _ = Permission.objects.using(db).get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        yield permission


def grant_ledger_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    for group_name, permissions in GROUPS.items():
        group, _ = Group.objects.using(db).get_or_create(name=group_name)
        group.permissions.add(*_permissions(apps, db, permissions))


def revoke_ledger_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    for group_name, permissions in GROUPS.items():
        group = Group.objects.using(db).filter(name=group_name).first()
        if group is not None:
            group.permissions.remove(*_permissions(apps, db, permissions))


class Migration(migrations.Migration):
    dependencies = [
        ("rewards", "0002_append_only_trigger"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        # Wagtail creates the "Moderators" group in its initial data: run after it.
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(grant_ledger_permissions, revoke_ledger_permissions)]
