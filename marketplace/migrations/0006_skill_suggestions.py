"""Skill suggestions: members' new skill names wait for a moderator (docs/api.md).

Existing skills, member-submitted ones included, stay in the catalogue (``approved``).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("marketplace", "0005_searchword_gist_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="skill",
            name="status",
            field=models.CharField(
                choices=[
                    ("approved", "In the catalogue"),
                    ("pending", "Suggested, awaiting review"),
                    ("rejected", "Rejected"),
                ],
                default="approved",
                max_length=8,
                verbose_name="status",
            ),
        ),
        migrations.AddField(
            model_name="skill",
            name="suggested_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="suggested by",
            ),
        ),
        migrations.AlterField(
            model_name="skill",
            name="category",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="skills",
                to="marketplace.category",
                verbose_name="category",
            ),
        ),
        migrations.AddIndex(
            model_name="skill",
            index=models.Index(fields=["status", "is_active"], name="mkt_skill_status_active"),
        ),
    ]
