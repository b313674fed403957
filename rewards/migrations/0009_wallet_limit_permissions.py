"""Give the staff roles their wallet-limit permissions: administrators set members' limits,
moderators read them (support). Created here like 0003 does: post_migrate has not run yet on a
fresh database."""

from django.db import migrations

VIEW = [("walletlimit", "view_walletlimit", "Can view wallet limit")]
CHANGE = [
    ("walletlimit", "add_walletlimit", "Can add wallet limit"),
    ("walletlimit", "change_walletlimit", "Can change wallet limit"),
    ("walletlimit", "delete_walletlimit", "Can delete wallet limit"),
]
GROUPS = {"Administrators": VIEW + CHANGE, "Moderators": VIEW}


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


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    for group_name, permissions in GROUPS.items():
        group, _ = Group.objects.using(db).get_or_create(name=group_name)
        group.permissions.add(*_permissions(apps, db, permissions))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    for group_name, permissions in GROUPS.items():
        group = Group.objects.using(db).filter(name=group_name).first()
        if group is not None:
            group.permissions.remove(*_permissions(apps, db, permissions))


class Migration(migrations.Migration):
    dependencies = [
        ("rewards", "0008_ledger_post_wallet_limits"),
        ("rewards", "0003_ledger_role_permissions"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
