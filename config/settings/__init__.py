"""Pick the runtime's settings from the environment alone (``DJANGO_ENV``).

``DJANGO_SETTINGS_MODULE=config.settings`` is the one entry point for every process (web, worker,
beat, manage.py); ``config.settings.test`` is used by pytest.
"""

import os

if os.environ.get("DJANGO_ENV", "development") == "production":
    from config.settings.production import *  # noqa: F403
else:
    from config.settings.base import *  # noqa: F403
