"""Offer expiry: ``expires_at`` and ``expiry_reminded_at`` (marketplace/services/expiry.py).

Existing offers (not removed) expire ``OFFER_EXPIRY_DAYS`` after their creation, but never sooner
than ``EXISTING_GRACE`` after this migration, so every owner of an old offer is reminded
(``OFFER_EXPIRY_REMIND_DAYS`` before) and can renew before it leaves listings. With
``OFFER_EXPIRY_DAYS = 0`` they never expire (null).
"""

import datetime as dt

from django.conf import settings
from django.db import migrations, models
from django.db.models import ExpressionWrapper, F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

import marketplace.models

EXISTING_GRACE = dt.timedelta(days=14)


def existing_offers_expire(apps, schema_editor):
    days = int(getattr(settings, "OFFER_EXPIRY_DAYS", 0) or 0)
    if days <= 0:
        return
    Offer = apps.get_model("marketplace", "Offer")
    floor = timezone.now() + max(
        EXISTING_GRACE,
        dt.timedelta(days=int(getattr(settings, "OFFER_EXPIRY_REMIND_DAYS", 7)) + 1),
    )
    expiry = ExpressionWrapper(
        F("created_at") + Value(dt.timedelta(days=days)), output_field=models.DateTimeField()
    )
    Offer.objects.filter(expires_at__isnull=True).exclude(status="removed").update(
        expires_at=Greatest(expiry, Value(floor, output_field=models.DateTimeField()))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0006_skill_suggestions"),
    ]

    operations = [
        # Added null (no table rewrite, no default computed once for every row), then given its
        # Python default for new rows, then filled for the existing ones.
        migrations.AddField(
            model_name="offer",
            name="expires_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="expires at"),
        ),
        migrations.AlterField(
            model_name="offer",
            name="expires_at",
            field=models.DateTimeField(
                blank=True,
                default=marketplace.models.offer_expiry_default,
                null=True,
                verbose_name="expires at",
            ),
        ),
        migrations.AddField(
            model_name="offer",
            name="expiry_reminded_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="expiry reminder sent at"
            ),
        ),
        migrations.AddIndex(
            model_name="offer",
            index=models.Index(fields=["status", "expires_at"], name="mkt_offer_status_expiry"),
        ),
        migrations.RunPython(existing_offers_expire, migrations.RunPython.noop, elidable=True),
    ]
