"""Create the role groups (member, expert, moderator, admin) with their explicit permissions.

The permission table is filled by post_migrate, which has not run yet on a fresh database, so the
permissions the roles need are created here (get_or_create: a later post_migrate finds them).
The data is spelled out rather than imported from accounts.roles: a migration must keep doing
what it did when it was written.
"""

from django.db import migrations

GROUPS = {
    "Members": [],
    "Experts": [("accounts", "user", "sell_paid_sessions", "Can sell paid sessions")],
    "Moderators": [
        ("wagtailadmin", "admin", "access_admin", "Can access Wagtail admin"),
        ("accounts", "user", "view_user", "Can view user"),
        ("accounts", "user", "suspend_user", "Can suspend and reactivate users"),
    ],
    "Administrators": [
        ("wagtailadmin", "admin", "access_admin", "Can access Wagtail admin"),
        ("accounts", "user", "view_user", "Can view user"),
        ("accounts", "user", "add_user", "Can add user"),
        ("accounts", "user", "change_user", "Can change user"),
        ("accounts", "user", "delete_user", "Can delete user"),
        ("accounts", "user", "suspend_user", "Can suspend and reactivate users"),
        ("accounts", "user", "assign_role", "Can change a user's role"),
        ("accounts", "user", "sell_paid_sessions", "Can sell paid sessions"),
    ],
}


def create_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for group_name, permissions in GROUPS.items():
        group, _ = Group.objects.using(db).get_or_create(name=group_name)
        for app_label, model, codename, name in permissions:
            content_type, _ = ContentType.objects.using(db).get_or_create(
                app_label=app_label, model=model
            )
            permission, _ = Permission.objects.using(db).get_or_create(
                content_type=content_type, codename=codename, defaults={"name": name}
            )
            group.permissions.add(permission)


def remove_role_groups(apps, schema_editor):
    # "Moderators" belongs to Wagtail's initial data: only the groups created here go.
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=["Members", "Experts", "Administrators"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_lifecycle_and_permissions"),
        ("contenttypes", "0002_remove_content_type_name"),
        # Wagtail creates "Moderators" and grants it admin access; run after both.
        ("wagtailcore", "0002_initial_data"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
