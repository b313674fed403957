"""Production: everything from the environment, refusing to start with an unsafe configuration."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *

_problems = []
if DEBUG and os.environ.get("DJANGO_DEBUG") is not None:
    _problems.append("DJANGO_DEBUG must be off in production")
if SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY or len(SECRET_KEY) < 50:
    _problems.append("DJANGO_SECRET_KEY must be set to a random value of at least 50 characters")
if not os.environ.get("DJANGO_ALLOWED_HOSTS"):
    _problems.append("DJANGO_ALLOWED_HOSTS must list the served host names")
if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
    _problems.append("DATABASE_URL must point at PostgreSQL")
if not REDIS_URL:
    _problems.append("REDIS_URL must be set: replicas share cache, throttles and the channel layer")
if _problems:
    raise ImproperlyConfigured("Unsafe production configuration: " + "; ".join(_problems))

DEBUG = False

# Behind a TLS-terminating proxy.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health/?$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

STORAGES["staticfiles"] = {
    "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
}
if os.environ.get("EMAIL_URL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_URL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
