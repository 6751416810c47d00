from django.db import migrations, models

from segmentflow.config_version import WatchConfig


class Migration(migrations.Migration):
    # After the last migration of every table WatchConfig installs triggers on: on SQLite a
    # later migration that rebuilds one of them drops its triggers (tests/test_config_version.py).
    dependencies = [
        ("accounts", "0001_initial"),
        ("assets", "0001_initial"),
        ("brand_kits", "0002_brand_extraction"),
        ("email_templates", "0001_initial"),
        ("events", "0003_fewer_indexes"),
        ("sending", "0005_fewer_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="config_version",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        WatchConfig(),
    ]
