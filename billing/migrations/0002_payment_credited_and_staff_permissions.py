from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="payment",
            options={
                "ordering": ["-created_at", "-id"],
                "permissions": [
                    ("refund_payment", "Can refund a payment through its gateway"),
                    ("resolve_shortfall", "Can mark a refund shortfall resolved"),
                ],
                "verbose_name": "payment",
                "verbose_name_plural": "payments",
            },
        ),
        migrations.AddField(
            model_name="payment",
            name="credited_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="points credited at"),
        ),
    ]
