"""pytest: the embedded runtime unless DATABASE_URL / REDIS_URL point at real services."""

from urllib.parse import urlsplit, urlunsplit

from config.settings.base import *

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# No worker runs under pytest: tasks run inline, after commit, exactly as the worker would.
CELERY_TASK_ALWAYS_EAGER = True
# pytest-xdist (`make test` runs two workers): pytest-django gives each worker a test database of
# its own; here each also gets its own Redis database and media folder, so one worker's
# cache.clear(), channel groups, throttle counters or uploads never reach the other's tests.
# (Set here, after base: importing this module imports config.settings, and so base, first.)
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _WORKER.startswith("gw") and _WORKER[2:].isdigit() and REDIS_URL:
    _parts = urlsplit(REDIS_URL)
    _db = (int(_parts.path.strip("/") or 0) + int(_WORKER[2:])) % 16
    REDIS_URL = urlunsplit(_parts._replace(path=f"/{_db}"))
    CACHES["default"]["LOCATION"] = REDIS_URL
    for _layer in CHANNEL_LAYERS.values():
        for _host in _layer.get("CONFIG", {}).get("hosts", []):
            _host["address"] = REDIS_URL
    CELERY_BROKER_URL = REDIS_URL
MEDIA_ROOT = VAR_DIR / (f"test-media-{_WORKER}" if _WORKER else "test-media")
LOGGING["root"]["level"] = "WARNING"
WAGTAILADMIN_BASE_URL = "http://testserver"

if not DATABASE_URL:
    # A file, not :memory:, so threads and the live server see the same database.
    DATABASES["default"]["TEST"] = {"NAME": VAR_DIR / "test-skillswap.sqlite3"}

# Try translations before they are merged into locale/: point this at a folder holding a compiled
# copy (<dir>/ar/LC_MESSAGES/django.mo), e.g. one filled from locale/pending/*.json.
if os.environ.get("SKILLSWAP_LOCALE_DIR"):
    LOCALE_PATHS = [Path(os.environ["SKILLSWAP_LOCALE_DIR"])]

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # One pytest process holds many threads that each keep a pooled connection for as long as they
    # live (asgiref's executor threads of the consumer tests, the browser tests' live server), and
    # a slot a thread never gave back is lost for the session: with a server worker's 10 the
    # browser tests ran out of connections after the other tests had taken theirs.
    DATABASES["default"]["OPTIONS"]["pool"]["max_size"] = 40
