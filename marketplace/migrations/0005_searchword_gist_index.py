"""PostgreSQL only: the search vocabulary gets a GiST trigram index, which serves the nearest-word
lookup (``ORDER BY word <-> %s LIMIT n``) in one statement without changing the session's
``pg_trgm.similarity_threshold``; it replaces the GIN trigram index of 0002."""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS mkt_searchword_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS mkt_searchword_trgm_gist "
        "ON marketplace_searchword USING gist (word gist_trgm_ops)"
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS mkt_searchword_trgm_gist")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS mkt_searchword_trgm "
        "ON marketplace_searchword USING gin (word gin_trgm_ops)"
    )


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0004_offer_image_dimensions_recorded")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
