"""The "Forum approval" workflow: one group approval task for the Moderators (and
Administrators) groups, assigned to forum threads; the groups get the forum moderation
permissions. ``community.forums.services.forum_workflow`` rebuilds the same rows after a flush."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

WORKFLOW_NAME = "Forum approval"
TASK_NAME = "Forum approval"
GROUPS = ("Moderators", "Administrators")
PERMISSIONS = ("moderate_thread", "view_thread", "change_thread", "view_post")


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("community_forums")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)

    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")

    thread_type, _ = ContentType.objects.get_or_create(app_label="community_forums", model="thread")
    task_type, _ = ContentType.objects.get_or_create(
        app_label="wagtailcore", model="groupapprovaltask"
    )
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME, content_type=task_type, active=True)
    permissions = list(
        Permission.objects.filter(
            content_type__app_label="community_forums", codename__in=PERMISSIONS
        )
    )
    groups = []
    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)
        groups.append(group)
    task.groups.set(groups)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowContentType.objects.update_or_create(
        content_type=thread_type, defaults={"workflow": workflow}
    )


def backwards(apps, schema_editor):
    Workflow = apps.get_model("wagtailcore", "Workflow")
    Workflow.objects.filter(name=WORKFLOW_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("community_forums", "0001_initial"),
        ("accounts", "0007_editors_group"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
