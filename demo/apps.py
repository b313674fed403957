from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data for every app (``manage.py seed_demo``).

    At the top of the dependency graph (docs/architecture.md): it orchestrates every app's
    ``<app>/demo.py`` and nothing imports it, so no app has to depend on another to be seeded.
    """

    name = "demo"
    verbose_name = _("Demo data")
