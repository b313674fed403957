"""Give "Editors" exactly what editors need, and nothing about users, swaps, reports or settings.

Wagtail's initial data creates "Editors" with add/edit rights on the tree's root (so they could
create new sites) and model-wide image and document rights (delete included). This migration
replaces them with:

- admin access and Wagtail's "submit translation" (copy a page to the other locale);
- add, edit and publish pages under the home page of each locale (English and Arabic);
- add, edit and choose images and documents in the root collection (and so in every collection).

The data is spelled out rather than imported: a migration must keep doing what it did when it was
written. The permission table is filled by post_migrate, which has not run yet on a fresh
database, so the permissions are get_or_create'd here (post_migrate later finds them).
"""

from django.db import migrations

GROUP = "Editors"
MODEL_PERMISSIONS = [
    ("wagtailadmin", "admin", "access_admin", "Can access Wagtail admin"),
    ("simple_translation", "simpletranslation", "submit_translation", "Can submit translations"),
]
PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]
COLLECTION_PERMISSIONS = [
    ("wagtailimages", "image", "add_image", "Can add image"),
    ("wagtailimages", "image", "change_image", "Can change image"),
    ("wagtailimages", "image", "choose_image", "Can choose image"),
    ("wagtaildocs", "document", "add_document", "Can add document"),
    ("wagtaildocs", "document", "change_document", "Can change document"),
    ("wagtaildocs", "document", "choose_document", "Can choose document"),
]


def _permission(apps, db, app_label, model, codename, name):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.using(db).get_or_create(app_label=app_label, model=model)
    permission, _ = Permission.objects.using(db).get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name}
    )
    return permission


def set_editor_permissions(apps, schema_editor):
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    group, _ = Group.objects.using(db).get_or_create(name=GROUP)
    group.permissions.set(
        [_permission(apps, db, *spec) for spec in MODEL_PERMISSIONS],
    )

    GroupPagePermission.objects.using(db).filter(group=group).delete()
    page_permissions = [
        _permission(apps, db, "wagtailcore", "page", codename, f"Can {codename.split('_')[0]} page")
        for codename in PAGE_PERMISSIONS
    ]
    # The home pages: the root's children, one per locale (cms 0002_home_pages).
    for home in Page.objects.using(db).filter(depth=2).order_by("path"):
        for permission in page_permissions:
            GroupPagePermission.objects.using(db).create(
                group=group, page=home, permission=permission
            )

    GroupCollectionPermission.objects.using(db).filter(group=group).delete()
    root_collection = Collection.objects.using(db).filter(depth=1).first()
    if root_collection is not None:
        for spec in COLLECTION_PERMISSIONS:
            GroupCollectionPermission.objects.using(db).create(
                group=group, collection=root_collection, permission=_permission(apps, db, *spec)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_username_address_token_cutoff"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("simple_translation", "0001_initial"),
        # The home pages of both locales exist from here on.
        ("cms", "0002_home_pages"),
    ]

    operations = [migrations.RunPython(set_editor_permissions, migrations.RunPython.noop)]
