"""Give the moderator and administrator groups the review permissions they need.

Moderators (Wagtail's "Moderators" group) and administrators see every review, held ones included
(``GET feedback/`` lists all of them for staff), and may change them in the admin. The permission
table is filled by post_migrate, which has not run yet on a fresh database, so the permissions are
created here (get_or_create), as marketplace's 0003 does.
"""

from django.db import migrations

PERMISSIONS = [
    ("review", "view_review", "Can view review"),
    ("review", "change_review", "Can change review"),
]
GROUPS = ("Moderators", "Administrators")


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for group_name in GROUPS:
        group, _ = Group.objects.using(db).get_or_create(name=group_name)
        for model, codename, name in PERMISSIONS:
            content_type, _ = ContentType.objects.using(db).get_or_create(
                app_label="community_reviews", model=model
            )
            permission, _ = Permission.objects.using(db).get_or_create(
                content_type=content_type, codename=codename, defaults={"name": name}
            )
            group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    permissions = Permission.objects.filter(
        content_type__app_label="community_reviews",
        codename__in=[codename for _, codename, _ in PERMISSIONS],
    )
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("community_reviews", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        # Wagtail creates "Moderators"; run after it so the group is Wagtail's own.
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
