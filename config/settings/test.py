"""pytest: the embedded runtime unless DATABASE_URL / REDIS_URL point at real services."""

from config.settings.base import *

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# No worker runs under pytest: tasks run inline, after commit, exactly as the worker would.
CELERY_TASK_ALWAYS_EAGER = True
MEDIA_ROOT = VAR_DIR / "test-media"
LOGGING["root"]["level"] = "WARNING"
WAGTAILADMIN_BASE_URL = "http://testserver"

if not DATABASE_URL:
    # A file, not :memory:, so threads and the live server see the same database.
    DATABASES["default"]["TEST"] = {"NAME": VAR_DIR / "test-skillswap.sqlite3"}

# Try translations before they are merged into locale/: point this at a folder holding a compiled
# copy (<dir>/ar/LC_MESSAGES/django.mo), e.g. one filled from locale/pending/*.json.
if os.environ.get("SKILLSWAP_LOCALE_DIR"):
    LOCALE_PATHS = [Path(os.environ["SKILLSWAP_LOCALE_DIR"])]
