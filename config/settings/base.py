"""Settings shared by every runtime.

One tree, two runtimes, chosen by the environment alone:

- embedded (nothing set): SQLite under ``var/``, local-memory cache, in-memory channel layer,
  Celery eager, console e-mail, media under ``var/media``;
- distributed: ``DATABASE_URL`` selects PostgreSQL (psycopg 3 with its connection pool) and
  ``REDIS_URL`` selects Redis for the cache, throttling, the channel layer and the Celery broker.

``DJANGO_ENV=production`` layers ``production.py`` on top and refuses unsafe values.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers as cors_default_headers
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("SKILLSWAP_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# ---------------------------------------------------------------------------
# Core
# ---------------------------------------------------------------------------
DJANGO_ENV = os.environ.get("DJANGO_ENV", "development")
# The embedded key is only ever used on a developer's machine; production.py refuses it.
INSECURE_DEFAULT_SECRET_KEY = "django-insecure-skillswap-embedded-development-key"  # noqa: S105
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", INSECURE_DEFAULT_SECRET_KEY)
DEBUG = env_bool("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SITE_ID = 1

INSTALLED_APPS = [
    # daphne first so that `runserver` serves HTTP and WebSocket from one process.
    "daphne",
    # modeltranslation must precede anything that registers translated models.
    "modeltranslation",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    # Wagtail: the only admin UI.
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.settings",
    "wagtail.contrib.simple_translation",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.locales",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # API and real time.
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "channels",
    # Sign-in (e-mail and Google).
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    # SkillSwap, in dependency order (docs/architecture.md).
    "accounts",
    "marketplace",
    "rewards",
    "exchanges",
    "messaging",
    # The community's parts, lowest first: forums register their posts as reportable targets.
    "community.moderation",
    "community.forums",
    "community.reviews",
    "community.events",
    "billing",
    "dashboards",
    "cms",
    # Top of the graph: seeds every app's demo data; nothing imports it.
    "demo",
]

MIDDLEWARE = [
    "core.request_timing.RequestTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # --- database unavailable (h3) --- a pool timeout or PostgreSQL down answers a plain 503 page
    # (the API's exception handler answers its own views): config/unavailable.py.
    "config.unavailable.DatabaseUnavailableMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.locale.SiteLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "config.api.throttling.RateLimitHeadersMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "site" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# ---------------------------------------------------------------------------
# Database
# ---------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's built-in psycopg pool instead of CONN_MAX_AGE: persistent connections leak
        # under ASGI (docs/pitfalls.md); the pool takes a connection back after each request.
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(os.environ.get("DATABASE_POOL_MIN", "1")),
            "max_size": int(os.environ.get("DATABASE_POOL_MAX", "10")),
            # --- database unavailable (h3) --- seconds a request waits for a connection before
            # it answers 503 (config/unavailable.py): a few, not psycopg's 30, so a down or
            # saturated database is told to clients fast. WEB_THREADS <= DATABASE_POOL_MAX
            # (deploy/gunicorn.conf.py refuses to start otherwise).
            "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "3")),
        }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "skillswap.sqlite3",
            # A busy SQLite answers "database is locked" immediately without a timeout.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }

# ---------------------------------------------------------------------------
# Redis: cache, throttling, channel layer, Celery
# ---------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "skillswap",
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 defaults socket_timeout to 5 s, which kills the layer's blocking
                # receive on an idle socket (docs/pitfalls.md): no timeout on its connections.
                "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
                "prefix": "skillswap",
                "capacity": int(os.environ.get("CHANNEL_LAYER_CAPACITY", "1000")),
                "expiry": int(os.environ.get("CHANNEL_LAYER_EXPIRY", "60")),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "skillswap",
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # simplejwt's outstanding-token table grows forever without this (docs/pitfalls.md).
    "flush-expired-tokens": {
        "task": "accounts.tasks.flush_expired_tokens_task",
        "schedule": timedelta(hours=24),
    },
}

# ---------------------------------------------------------------------------
# Auth
# ---------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Argon2 first: stronger per CPU second than Django's default PBKDF2, whose third of a second per
# sign-in dominated the load bench (docs/pitfalls.md). The others verify older hashes, which are
# rehashed with Argon2 at the member's next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "optional")
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = True
GOOGLE_CLIENT_ID = os.environ.get("GOOGLE_CLIENT_ID", "")
GOOGLE_CLIENT_SECRET = os.environ.get("GOOGLE_CLIENT_SECRET", "")
SOCIALACCOUNT_PROVIDERS = {
    "google": {
        "APPS": [{"client_id": GOOGLE_CLIENT_ID, "secret": GOOGLE_CLIENT_SECRET, "key": ""}]
        if GOOGLE_CLIENT_ID
        else [],
        "SCOPE": ["openid", "profile", "email", "https://www.googleapis.com/auth/calendar.events"],
        "AUTH_PARAMS": {"access_type": "offline", "prompt": "consent"},
    }
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=int(os.environ.get("JWT_ACCESS_MINUTES", "15"))),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=int(os.environ.get("JWT_REFRESH_DAYS", "7"))),
    # Off by default in simplejwt (docs/pitfalls.md): a refresh token is good for one use only.
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "SIGNING_KEY": os.environ.get("JWT_SIGNING_KEY", SECRET_KEY),
}

# ---------------------------------------------------------------------------
# API (docs/api.md)
# ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Refuses access tokens issued before a suspension (docs/api.md, "Authentication").
        "accounts.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bounded in size and depth before parsing (docs/pitfalls.md, "JSON at the edges").
    "DEFAULT_PARSER_CLASSES": [
        "config.api.parsers.BoundedJSONParser",
        "config.api.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "config.api.throttling.AnonRateThrottle",
        "config.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "auth": os.environ.get("THROTTLE_AUTH", "10/min"),
        "anon": os.environ.get("THROTTLE_ANON", "100/hour"),
        "user": os.environ.get("THROTTLE_USER", "1000/hour"),
        "premium": os.environ.get("THROTTLE_PREMIUM", "5000/hour"),
    },
    "NUM_PROXIES": int(os.environ.get("NUM_PROXIES", "0")) or None,
    "EXCEPTION_HANDLER": "config.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DATETIME_FORMAT": "iso-8601",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "SkillSwap API",
    "DESCRIPTION": (
        "Exchange skills: offers, swaps, points, messaging and community. "
        "Authenticate with `Authorization: Bearer <access JWT>`; every error has the shape "
        '`{"error": {"code", "message", "fields"}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Only our API: never walk into Wagtail's internal admin API views.
    "PREPROCESSING_HOOKS": ["config.api.schema.only_public_api"],
}

# A JSON body larger or deeper than this is a 400 parse_error, refused before it is parsed.
API_MAX_JSON_BYTES = int(os.environ.get("API_MAX_JSON_BYTES", str(1024 * 1024)))
API_MAX_JSON_DEPTH = int(os.environ.get("API_MAX_JSON_DEPTH", "64"))
# A WebSocket frame larger than this (or nested deeper than API_MAX_JSON_DEPTH) closes with 1009.
WEBSOCKET_MAX_FRAME_BYTES = int(os.environ.get("WEBSOCKET_MAX_FRAME_BYTES", str(256 * 1024)))
# A CSRF failure under /api/ answers in the error shape, elsewhere with Django's page.
CSRF_FAILURE_VIEW = "config.api.errors.csrf_failure"

CORS_ALLOWED_ORIGINS = env_list(
    "CORS_ALLOWED_ORIGINS", "http://localhost:3000,http://127.0.0.1:3000"
)
CORS_URLS_REGEX = r"^/(api|ws)/.*$"
# Write endpoints accept an Idempotency-Key header; browsers must be allowed to send it.
CORS_ALLOW_HEADERS = (*cors_default_headers, "idempotency-key")
CORS_EXPOSE_HEADERS = [
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "Retry-After",
]

# ---------------------------------------------------------------------------
# Internationalisation
# ---------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ar", _("Arabic"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en", "ar")

WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAIL_SITE_NAME = "SkillSwap"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]

# ---------------------------------------------------------------------------
# Files and e-mail
# ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "site" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "SkillSwap <no-reply@skillswap.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# ---------------------------------------------------------------------------
# Logging: tracebacks go to the log, never to an API client.
# ---------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "daphne": {"level": "WARNING"},
        # Wagtail's reference-index tasks log every run at INFO.
        "django_tasks": {"level": "WARNING"},
    },
}

# ---------------------------------------------------------------------------
# Rewards: points ledger
# ---------------------------------------------------------------------------
# Points a new member receives at signup (client document 003 gives one free credit;
# docs/api.md); 0 turns the bonus off.
POINTS_SIGNUP_BONUS = int(os.environ.get("POINTS_SIGNUP_BONUS", "1"))
# The largest single movement the ledger accepts: a guard against typos and integer overflow.
POINTS_MAX_AMOUNT = int(os.environ.get("POINTS_MAX_AMOUNT", "1000000"))
# --- wallet limits ---
# Points a member wallet may hold (0 = no limit) and points a member may send out of it per UTC day
# (transfers, tips, escrow holds; 0 = no limit). Staff override both per member (WalletLimit).
WALLET_MAX_BALANCE = int(os.environ.get("WALLET_MAX_BALANCE", "0"))
WALLET_DAILY_SPEND_LIMIT = int(os.environ.get("WALLET_DAILY_SPEND_LIMIT", "0"))
# --- end wallet limits ---
# The points API's enums keep their own names in the schema ("kind" and "type" collide otherwise).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "CounterpartyKindEnum": "rewards.api.serializers.COUNTERPARTY_KINDS",
        "TransactionTypeEnum": "rewards.api.serializers.TRANSACTION_TYPES",
    }
)

# ---------------------------------------------------------------------------
# Exchanges: swaps, scheduling, calendar, video calls (exchanges/)
# ---------------------------------------------------------------------------
# Cancelling an accepted points swap: a full refund until `full_refund_hours` before the start,
# later the requester gets `late_refund_percent` back and the responder keeps the rest.
CANCELLATION_POLICY = {
    "full_refund_hours": int(os.environ.get("EXCHANGES_FULL_REFUND_HOURS", "24")),
    "late_refund_percent": int(os.environ.get("EXCHANGES_LATE_REFUND_PERCENT", "50")),
}
# A session marked complete by one party completes by itself this long later unless disputed.
EXCHANGES_AUTO_COMPLETE_HOURS = int(os.environ.get("EXCHANGES_AUTO_COMPLETE_HOURS", "48"))
# Minutes before the start at which each reminder goes out.
EXCHANGES_REMINDER_WINDOWS = {"24h": 24 * 60, "1h": 60}
EXCHANGES_DEFAULT_SESSION_MINUTES = 60
EXCHANGES_MAX_SESSION_MINUTES = int(os.environ.get("EXCHANGES_MAX_SESSION_MINUTES", "480"))
# Join tokens of a video call; GET video-calls/{id}/ hands out a fresh one after expiry.
VIDEO_CALL_TOKEN_TTL_MINUTES = int(os.environ.get("VIDEO_CALL_TOKEN_TTL_MINUTES", "120"))
# ICE servers handed to browsers. TURN uses coturn's REST API credentials (use-auth-secret):
# username "<expiry unix time>:<user id>", credential base64(HMAC-SHA1(TURN_SECRET, username)).
VIDEO_CALL_STUN_URLS = env_list("VIDEO_CALL_STUN_URLS", "stun:stun.l.google.com:19302")
TURN_URLS = env_list("TURN_URLS")
TURN_SECRET = os.environ.get("TURN_SECRET", "")
TURN_CREDENTIAL_TTL_SECONDS = int(os.environ.get("TURN_CREDENTIAL_TTL_SECONDS", "86400"))
# Google Calendar (events of participants who signed in with Google and granted calendar.events).
GOOGLE_CALENDAR_ID = os.environ.get("GOOGLE_CALENDAR_ID", "primary")
# The signed calendar.ics feed shows sessions from this many days back.
CALENDAR_FEED_PAST_DAYS = int(os.environ.get("CALENDAR_FEED_PAST_DAYS", "90"))
CELERY_BEAT_SCHEDULE["exchanges-session-reminders"] = {
    "task": "exchanges.tasks.session_reminders_task",
    "schedule": timedelta(minutes=5),
}
CELERY_BEAT_SCHEDULE["exchanges-auto-complete"] = {
    "task": "exchanges.tasks.swaps_auto_complete_task",
    "schedule": timedelta(minutes=15),
}
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "SwapStatusEnum": "exchanges.models.Swap.Status",
        "SwapKindEnum": "exchanges.models.Swap.Kind",
        "SwapModeEnum": "exchanges.models.Swap.Mode",
        "SessionTypeEnum": "exchanges.models.Swap.SessionType",
        "VideoCallStatusEnum": "exchanges.models.VideoCall.Status",
        "SwapPartyRoleEnum": "exchanges.api.serializers.PARTY_ROLES",
        "SwapRoleFilterEnum": "exchanges.api.filters.ROLE_FILTER_CHOICES",
        "MeetingStatusEnum": "exchanges.api.serializers.MEETING_STATUS_CHOICES",
        "MeetingStatusInputEnum": "exchanges.api.serializers.MEETING_STATUS_INPUT_CHOICES",
        "SessionStatusEnum": "exchanges.api.serializers.SESSION_STATUS_CHOICES",
        "SwapStatusInputEnum": "exchanges.api.serializers.STATUS_INPUT_CHOICES",
        "CalendarSyncStatusEnum": "exchanges.api.serializers.CALENDAR_SYNC_STATUSES",
        "SwapActionEnum": "exchanges.state_machine.ACTIONS",
    }
)

# ---------------------------------------------------------------------------
# Marketplace (search, images, matching)
# ---------------------------------------------------------------------------
# Query words at least this long are widened with vocabulary words whose trigram similarity is
# at least MARKETPLACE_SEARCH_SIMILARITY ("pyhton" ~ "python" is 0.27), at most N per word.
MARKETPLACE_SEARCH_FUZZY_MIN = int(os.environ.get("MARKETPLACE_SEARCH_FUZZY_MIN", "4"))
MARKETPLACE_SEARCH_SIMILARITY = float(os.environ.get("MARKETPLACE_SEARCH_SIMILARITY", "0.25"))
MARKETPLACE_SEARCH_EXPANSIONS = int(os.environ.get("MARKETPLACE_SEARCH_EXPANSIONS", "3"))
MARKETPLACE_OFFER_MAX_IMAGES = int(os.environ.get("MARKETPLACE_OFFER_MAX_IMAGES", "8"))
MARKETPLACE_IMAGE_MAX_BYTES = int(os.environ.get("MARKETPLACE_IMAGE_MAX_BYTES", str(5 * 2**20)))
MARKETPLACE_IMAGE_MAX_SIDE = int(os.environ.get("MARKETPLACE_IMAGE_MAX_SIDE", "1600"))
MARKETPLACE_NEAR_DEFAULT_RADIUS_KM = float(os.environ.get("MARKETPLACE_NEAR_RADIUS_KM", "25"))
# Matching: how many matches a member keeps, weekly shared minutes that earn the full
# availability term, and the distance at which the distance term reaches zero.
MARKETPLACE_MATCH_MAX_PER_USER = int(os.environ.get("MARKETPLACE_MATCH_MAX_PER_USER", "50"))
MARKETPLACE_MATCH_FULL_OVERLAP_MINUTES = int(
    os.environ.get("MARKETPLACE_MATCH_FULL_OVERLAP_MINUTES", "120")
)
MARKETPLACE_MATCH_MAX_DISTANCE_KM = float(os.environ.get("MARKETPLACE_MATCH_MAX_DISTANCE_KM", "50"))
# Distinct OpenAPI enum names for the marketplace choice sets (drf-spectacular otherwise derives
# them from field names such as "status" and "mode", which collide across apps).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "OfferStatusEnum": "marketplace.models.OfferStatus",
        "OfferWritableStatusEnum": "marketplace.api.serializers.WRITABLE_OFFER_STATUS",
        "OfferModeEnum": "marketplace.models.OfferMode",
        "MatchStatusEnum": "marketplace.models.MatchStatus",
        "SkillDirectionEnum": "marketplace.models.Direction",
        "ProficiencyLevelEnum": "marketplace.models.Proficiency",
        "MatchReasonCodeEnum": "marketplace.api.serializers.MATCH_REASON_CODES",
        "SkillStatusEnum": "marketplace.models.SkillStatus",
    }
)

# ---------------------------------------------------------------------------
# Accounts: sign-in limits, Google ID tokens, allauth adapters, Wagtail user screens
# ---------------------------------------------------------------------------
# Wagtail's user screens with SkillSwap's profile, role and suspension fields.
INSTALLED_APPS = [
    "accounts.apps.SkillSwapUsersConfig" if app == "wagtail.users" else app
    for app in INSTALLED_APPS
]
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
# Reset links work once and for an hour (Django's default is three days).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", "3600"))
# Access tokens carry a hash of the password hash: a password change or reset ends them at once.
SIMPLE_JWT["CHECK_REVOKE_TOKEN"] = True
# Failed sign-ins per account, shared by every replica through the cache (docs/pitfalls.md).
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "3600"))
LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_SECONDS", "60"))
LOGIN_LOCKOUT_MAX_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_MAX_SECONDS", "900"))
# Days a member waits between two username changes (staff are exempt).
ACCOUNTS_USERNAME_CHANGE_COOLDOWN_DAYS = int(
    os.environ.get("ACCOUNTS_USERNAME_CHANGE_COOLDOWN_DAYS", "30")
)
# Google ID tokens from mobile apps carry their own client ids as audience.
GOOGLE_EXTRA_CLIENT_IDS = env_list("GOOGLE_EXTRA_CLIENT_IDS")
GOOGLE_CERTS_URL = os.environ.get("GOOGLE_CERTS_URL", "https://www.googleapis.com/oauth2/v3/certs")
GOOGLE_TOKEN_URL = os.environ.get("GOOGLE_TOKEN_URL", "https://oauth2.googleapis.com/token")
GOOGLE_HTTP_TIMEOUT = float(os.environ.get("GOOGLE_HTTP_TIMEOUT", "5"))
# Our "status" is the second field of that name in the schema: name each choice set explicitly
# (the health check's shares its "ok"/"error" set between two components).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "UserStatusEnum": "accounts.selectors.USER_STATUS_CHOICES",
        "RoleEnum": "accounts.roles.Role",
        "ServiceStatusEnum": ["ok", "error"],
    }
)

# ---------------------------------------------------------------------------
# Messaging: threads, attachments, notifications (messaging/)
# ---------------------------------------------------------------------------
MESSAGING_MESSAGE_MAX_LENGTH = int(os.environ.get("MESSAGING_MESSAGE_MAX_LENGTH", "5000"))
MESSAGING_EDIT_WINDOW = timedelta(minutes=int(os.environ.get("MESSAGING_EDIT_MINUTES", "15")))
MESSAGING_ATTACHMENT_MAX_BYTES = int(
    os.environ.get("MESSAGING_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))
)
MESSAGING_ATTACHMENTS_PER_MESSAGE = int(os.environ.get("MESSAGING_ATTACHMENTS_PER_MESSAGE", "5"))
# A STORAGES alias: "default" is local media embedded, S3-compatible when STORAGES says so.
MESSAGING_ATTACHMENT_STORAGE = os.environ.get("MESSAGING_ATTACHMENT_STORAGE", "default")
# Unread messages are e-mailed as one digest once they are this old (never one mail per message).
MESSAGING_DIGEST_DELAY = timedelta(minutes=int(os.environ.get("MESSAGING_DIGEST_MINUTES", "15")))
MESSAGING_DIGEST_LOOKBACK = timedelta(days=2)
# Where links in notification e-mails point (the public site).
MESSAGING_SITE_URL = os.environ.get("SITE_URL", WAGTAILADMIN_BASE_URL).rstrip("/")
CELERY_BEAT_SCHEDULE["messaging-unread-digest"] = {
    "task": "messaging.tasks.message_digest_dispatch_task",
    "schedule": timedelta(minutes=5),
}
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})["NotificationTypeEnum"] = (
    "messaging.notification_kinds.choices"
)

# ---------------------------------------------------------------------------
# --- public page cache --- (marketplace/cache.py)
# ---------------------------------------------------------------------------
# Anonymous public pages (home, offers, categories, profiles, help) are stored whole for this many
# seconds and invalidated at once by data-version bumps; 0 turns the cache off.
PUBLIC_PAGE_CACHE_SECONDS = int(os.environ.get("PUBLIC_PAGE_CACHE_SECONDS", "600"))
# Before the session middleware: a warm hit answers without touching the session or the database.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
    "marketplace.cache.PublicPageCacheMiddleware",
)

# ---------------------------------------------------------------------------
# --- member pages (sign-in redirects) ---
# ---------------------------------------------------------------------------
# URL names, reversed in the visitor's language: /ar/… pages send to /ar/accounts/login/, and a
# member lands on their dashboard (/<lang>/me/) after signing in.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboards:home"

# --- editors ---
# Translated page trees with Wagtail's own copy-for-translation (wagtail.contrib.simple_translation,
# docs/architecture.md, "Editors"): a translation starts as a draft copy, edited, previewed and
# published in the ordinary page editor. No alias trees: /ar/ never shows untranslated English.
WAGTAILSIMPLETRANSLATION_SYNC_PAGE_TREE = False
# Images need alt text: the image form requires Wagtail's `description`, which `{% image %}` uses
# as the alt attribute.
WAGTAILIMAGES_IMAGE_FORM_BASE = "cms.forms.ImageForm"
# Nothing external in the admin: avatars are the uploaded ones or Wagtail's built-in placeholder.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Pages and snippets scheduled with "go live at"/"expire at" are published and unpublished by
# this task (Wagtail's publish_scheduled command) every minute.
CELERY_IMPORTS = ["cms.publishing"]
CELERY_BEAT_SCHEDULE["cms-publish-scheduled"] = {
    "task": "cms.publishing.publish_scheduled_task",
    "schedule": timedelta(minutes=1),
}

# --- video call page ---
# The swap page's "Join the call" button shows from this many minutes before a session's start
# until its end (exchanges/call_views.py); `{% load calls %}` gives templates that rule.
VIDEO_CALL_JOIN_EARLY_MINUTES = int(os.environ.get("VIDEO_CALL_JOIN_EARLY_MINUTES", "15"))

# --- security ---
# Content-Security-Policy for the site (django-csp 4): no inline script or style anywhere, nothing
# loaded from elsewhere. The Wagtail admin (inline scripts and styles of its own) and /api/ (JSON,
# and the Swagger/ReDoc pages) are left out; production.py keeps them out too.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("csp.middleware.CSPMiddleware") + 1,
    "config.security_headers.PermissionsPolicyMiddleware",
)
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/api/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        # The chat, notification and call sockets are on the same host ('self' covers ws: in
        # current browsers; the schemes are listed for older ones).
        "connect-src": ["'self'", "ws:", "wss:"],
        "media-src": ["'self'", "blob:"],
        "frame-src": ["https://www.youtube-nocookie.com", "https://www.youtube.com"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        # Google sign-in posts to us and is redirected on to Google.
        "form-action": ["'self'", "https://accounts.google.com"],
        "frame-ancestors": ["'none'"],
    },
}
# Permissions-Policy: features no page uses are off; camera, microphone and full screen stay on
# for our own pages (the video call page).
SECURITY_PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": ["self"],
    "camera": ["self"],
    "display-capture": ["self"],
    "fullscreen": ["self"],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": ["self"],
    "payment": [],
    "usb": [],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- speed ---
# The channel layer on Redis: "redis" (channels-redis's RedisChannelLayer: lists with capacity and
# expiry) or "pubsub" (its RedisPubSubChannelLayer). docs/benchmarks.md, "Reads and serving",
# compares both beside the bare layer; every process of one deployment must use the same one.
CHANNEL_LAYER_BACKEND = os.environ.get("CHANNEL_LAYER_BACKEND", "redis")
if REDIS_URL and CHANNEL_LAYER_BACKEND == "pubsub":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
                "prefix": "skillswap",
            },
        }
    }
# The JWT algorithm is pinned: simplejwt verifies with exactly this one (never the token's header).
SIMPLE_JWT["ALGORITHM"] = "HS256"
# A notification e-mail is claimed by a lease in the shared cache while it is sent (no row lock
# over SMTP); it must lapse before CELERY_VISIBILITY_TIMEOUT hands a killed worker's task back.
MESSAGING_EMAIL_LEASE_SECONDS = int(os.environ.get("MESSAGING_EMAIL_LEASE_SECONDS", "300"))
# --- billing (gateways; billing/gateways/__init__.py) ---
# The gateways this deployment offers, in this order. The sandbox confirms at once with no account
# anywhere, so it is offered by default only outside production.
BILLING_GATEWAYS = [
    name.strip()
    for name in os.environ.get(
        "BILLING_GATEWAYS",
        "stripe,paypal,paymob" if DJANGO_ENV == "production" else "sandbox,stripe,paypal,paymob",
    ).split(",")
    if name.strip()
]
# --- billing core --- (billing/services, billing/gateways/stripe.py and sandbox.py)
# Stripe: without the secret key the gateway is unavailable (a 400, never a 500); without the
# webhook signing secret (whsec_…) every Stripe webhook is refused. The tolerance is how old a
# signed timestamp may be, in seconds (Stripe's own default is 300).
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_WEBHOOK_TOLERANCE = int(os.environ.get("STRIPE_WEBHOOK_TOLERANCE", "300"))
# The sandbox gateway's webhook signing secret (its events are signed like Stripe's, header
# X-Sandbox-Signature); derived from SECRET_KEY unless set.
BILLING_SANDBOX_WEBHOOK_SECRET = os.environ.get(
    "BILLING_SANDBOX_WEBHOOK_SECRET", f"sandbox:{SECRET_KEY}"
)
# Seed 003's payments/purchase_credits/ buys any number of points at this price per point, in
# BILLING_CURRENCY (an active package of exactly that many points and that price wins), on the
# gateway named by its payment_method; "credit_card"/"card" mean BILLING_CARD_GATEWAY.
BILLING_CURRENCY = os.environ.get("BILLING_CURRENCY", "USD").upper()
BILLING_POINT_PRICE = os.environ.get("BILLING_POINT_PRICE", "1.00")
BILLING_CARD_GATEWAY = os.environ.get(
    "BILLING_CARD_GATEWAY", "stripe" if DJANGO_ENV == "production" else "sandbox"
)
# Where a hosted checkout sends the member back ({payment_id} is filled in); API clients may pass
# their own success_url/cancel_url on an origin of CORS_ALLOWED_ORIGINS or the site itself.
_BILLING_SITE = os.environ.get("SITE_URL", WAGTAILADMIN_BASE_URL).rstrip("/")
BILLING_SUCCESS_URL = os.environ.get(
    "BILLING_SUCCESS_URL", f"{_BILLING_SITE}/en/wallet/buy/success/?payment={{payment_id}}"
)
BILLING_CANCEL_URL = os.environ.get(
    "BILLING_CANCEL_URL", f"{_BILLING_SITE}/en/wallet/buy/cancel/?payment={{payment_id}}"
)
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "PaymentGatewayEnum": "billing.api.serializers.GATEWAY_NAMES",
        "PaymentStatusEnum": "billing.models.PaymentStatus",
        "CreditsPaymentStatusEnum": "billing.api.serializers.CREDITS_STATUSES",
    }
)
# Checkouts nobody finished are cancelled after this many hours (a late confirmation still
# credits); the beat task runs hourly.
BILLING_PENDING_EXPIRY_HOURS = int(os.environ.get("BILLING_PENDING_EXPIRY_HOURS", "48"))
CELERY_BEAT_SCHEDULE["billing-stale-payments"] = {
    "task": "billing.tasks.payments_stale_cancel_task",
    "schedule": timedelta(hours=1),
}
# --- reviews (community/reviews) ---
# A review can be edited by its author for this many days after it was written.
REVIEW_EDIT_DAYS = int(os.environ.get("REVIEW_EDIT_DAYS", "7"))
# Held reviews (of swaps that were in dispute) are published once the dispute is resolved.
CELERY_BEAT_SCHEDULE["reviews-release-held"] = {
    "task": "community.reviews.tasks.reviews_release_task",
    "schedule": timedelta(minutes=5),
}
# --- paypal and paymob --- (billing/gateways/http.py, paypal.py, paymob.py)
# The shared HTTP client of the gateways: a timeout on every call, and retries only for calls that
# are safe to repeat (GET, token, POST with an idempotency header).
BILLING_HTTP_TIMEOUT_SECONDS = float(os.environ.get("BILLING_HTTP_TIMEOUT_SECONDS", "10"))
BILLING_HTTP_RETRIES = int(os.environ.get("BILLING_HTTP_RETRIES", "2"))
# PayPal REST (Orders v2). Without the client id, secret and webhook id the gateway is unavailable.
PAYPAL_CLIENT_ID = os.environ.get("PAYPAL_CLIENT_ID", "")
PAYPAL_CLIENT_SECRET = os.environ.get("PAYPAL_CLIENT_SECRET", "")
PAYPAL_WEBHOOK_ID = os.environ.get("PAYPAL_WEBHOOK_ID", "")
# https://api-m.paypal.com for live money.
PAYPAL_API_BASE = os.environ.get("PAYPAL_API_BASE", "https://api-m.sandbox.paypal.com")
# Paymob (Intention API + Unified Checkout). Test and live share the host; the keys decide.
PAYMOB_SECRET_KEY = os.environ.get("PAYMOB_SECRET_KEY", "")
PAYMOB_PUBLIC_KEY = os.environ.get("PAYMOB_PUBLIC_KEY", "")
PAYMOB_HMAC_SECRET = os.environ.get("PAYMOB_HMAC_SECRET", "")
PAYMOB_INTEGRATION_IDS = [int(i) for i in env_list("PAYMOB_INTEGRATION_IDS") if i.isdigit()]
PAYMOB_API_BASE = os.environ.get("PAYMOB_API_BASE", "https://accept.paymob.com")
PAYMOB_CHECKOUT_URL = os.environ.get("PAYMOB_CHECKOUT_URL", f"{PAYMOB_API_BASE}/unifiedcheckout/")
# Where Paymob posts the transaction processed callback: the absolute URL of
# /api/v1/payments/webhooks/paymob/ (empty: the integration's callback set in Paymob's dashboard).
PAYMOB_NOTIFICATION_URL = os.environ.get("PAYMOB_NOTIFICATION_URL", "")
# --- events (community/events) ---
# Refund of a paid seat when the member cancels: everything until full_refund_hours before the
# start, partial_refund_percent until partial_refund_hours before it, nothing after. What is not
# refunded goes to the host with the payout after the event.
EVENT_CANCELLATION_POLICY = {
    "full_refund_hours": int(os.environ.get("EVENT_FULL_REFUND_HOURS", "24")),
    "partial_refund_hours": int(os.environ.get("EVENT_PARTIAL_REFUND_HOURS", "2")),
    "partial_refund_percent": int(os.environ.get("EVENT_PARTIAL_REFUND_PERCENT", "50")),
}
# Hosts of ended events are paid what their paid seats hold in escrow.
CELERY_BEAT_SCHEDULE["events-payout"] = {
    "task": "community.events.tasks.events_payout_task",
    "schedule": timedelta(minutes=15),
}
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {"EventBookingStatusEnum": "community.events.models.EventBooking.Status"}
)
# --- reviews (schema enum names) ---
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "ReviewStatusEnum": "community.reviews.models.Review.Status",
        "ReviewTagEnum": "community.reviews.models.Tag",
    }
)
# --- forums (community/forums) ---
# A member with fewer completed swaps or a younger account is "new": their threads wait for a
# moderator's approval in the "Forum approval" Wagtail workflow.
FORUM_NEW_MEMBER_MIN_SWAPS = int(os.environ.get("FORUM_NEW_MEMBER_MIN_SWAPS", "1"))
FORUM_NEW_MEMBER_MIN_DAYS = int(os.environ.get("FORUM_NEW_MEMBER_MIN_DAYS", "3"))
# How long after writing a post its author may still edit or delete it.
FORUM_EDIT_WINDOW_MINUTES = int(os.environ.get("FORUM_EDIT_WINDOW_MINUTES", "30"))
# --- moderation (community/moderation; schema enum names) ---
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "ReportReasonEnum": "community.moderation.models.ReportReason",
        # messaging's message-report reasons keep the name they had before reports/ arrived
        "ReasonEnum": "messaging.models.MessageReport.Reason",
        "ReportStatusEnum": "community.moderation.models.ReportStatus",
        "ReportResolutionEnum": "community.moderation.api.serializers.RESOLUTION_CHOICES",
        "TicketStatusEnum": "community.moderation.models.TicketStatus",
        "TicketPriorityEnum": "community.moderation.models.TicketPriority",
        "TicketCategoryEnum": "community.moderation.models.TicketCategory",
    }
)
# --- subscriptions (billing/subscriptions.py) ---
# Premium (THROTTLE_PREMIUM and PREMIUM_PERKS) lasts this many days past an active
# subscription's period end (a renewal's webhook may be late) and past the moment a renewal
# payment failed (past_due, while the provider retries the card).
SUBSCRIPTION_GRACE_DAYS = int(os.environ.get("SUBSCRIPTION_GRACE_DAYS", "3"))
# How long a member's premium end stays cached (it is forgotten at once whenever it changes).
SUBSCRIPTION_PREMIUM_CACHE_SECONDS = int(
    os.environ.get("SUBSCRIPTION_PREMIUM_CACHE_SECONDS", "300")
)
# What premium members get besides the premium rate limit: "profile_badge" (a premium badge on
# their profile: `sections.premium.badge` in the API's own and public profiles). Empty: nothing.
PREMIUM_PERKS = env_list("PREMIUM_PERKS", "profile_badge")
# --- offer expiry --- (marketplace/services/expiry.py)
# An offer leaves listings this many days after its creation or last renewal (0: never); its
# owner is reminded OFFER_EXPIRY_REMIND_DAYS before, once per period, with a one-click renew link
# valid for OFFER_RENEW_LINK_MAX_AGE_DAYS.
OFFER_EXPIRY_DAYS = int(os.environ.get("OFFER_EXPIRY_DAYS", "90"))
OFFER_EXPIRY_REMIND_DAYS = int(os.environ.get("OFFER_EXPIRY_REMIND_DAYS", "7"))
OFFER_RENEW_LINK_MAX_AGE_DAYS = int(os.environ.get("OFFER_RENEW_LINK_MAX_AGE_DAYS", "30"))
CELERY_BEAT_SCHEDULE["marketplace-offer-expiry-reminders"] = {
    "task": "marketplace.tasks.offers_expiry_remind_task",
    "schedule": timedelta(days=1),
}
# --- weekly digest --- (dashboards/digest.py)
# Monday 07:00 UTC: one e-mail per member and ISO week (new offers for their wanted skills,
# requests awaiting them, unread messages), DIGEST_BATCH_SIZE members per task; a delivery claimed
# but not sent after DIGEST_RETRY_AFTER_MINUTES is retried by the next run.
from celery.schedules import crontab  # noqa: E402

DIGEST_BATCH_SIZE = int(os.environ.get("DIGEST_BATCH_SIZE", "200"))
DIGEST_RETRY_AFTER_MINUTES = int(os.environ.get("DIGEST_RETRY_AFTER_MINUTES", "15"))
DIGEST_MAX_OFFERS = int(os.environ.get("DIGEST_MAX_OFFERS", "5"))
CELERY_BEAT_SCHEDULE["dashboards-weekly-digest"] = {
    "task": "dashboards.tasks.digest_dispatch_task",
    "schedule": crontab(minute="0", hour="7", day_of_week="mon"),
}
# Hourly catch-up (same idempotent task): members beat missed (down at 07:00) and stale claims.
CELERY_BEAT_SCHEDULE["dashboards-weekly-digest-catch-up"] = {
    "task": "dashboards.tasks.digest_dispatch_task",
    "schedule": crontab(minute="30"),
}
# --- request timing --- (core/request_timing.py)
# Every /api/v1/ request is counted into a latency histogram per endpoint and UTC hour in the
# cache (no row per request); the staff analytics read p50/p95 from it. Each process writes its
# counts in one round trip every REQUEST_TIMING_FLUSH_SECONDS (0: at every request); the cache
# keeps them REQUEST_TIMING_RETENTION_DAYS (the analytics' longest period is 90 days).
REQUEST_TIMING_ENABLED = env_bool("REQUEST_TIMING_ENABLED", default=True)
REQUEST_TIMING_FLUSH_SECONDS = float(os.environ.get("REQUEST_TIMING_FLUSH_SECONDS", "1"))
REQUEST_TIMING_RETENTION_DAYS = int(os.environ.get("REQUEST_TIMING_RETENTION_DAYS", "95"))
# --- leaderboard --- (rewards/leaderboard.py)
# Kept in Redis sorted sets when REDIS_URL is set, else in the LeaderboardScore table;
# LEADERBOARD_BACKEND ("redis" or "table") forces one. Rating ranks a member from
# LEADERBOARD_RATING_MIN_REVIEWS reviews in the period; week and month boards stay in Redis
# LEADERBOARD_PERIOD_TTL_DAYS after their period ends. The daily rebuild recomputes every board
# from the activity events (repairing anything a Redis outage lost).
LEADERBOARD_BACKEND = os.environ.get("LEADERBOARD_BACKEND", "")
LEADERBOARD_RATING_MIN_REVIEWS = int(os.environ.get("LEADERBOARD_RATING_MIN_REVIEWS", "3"))
LEADERBOARD_PERIOD_TTL_DAYS = int(os.environ.get("LEADERBOARD_PERIOD_TTL_DAYS", "35"))
# Without Redis: how long a board's cached score histogram (its size and everyone's rank above
# their score) may live; every applied batch drops it in this process.
LEADERBOARD_HISTOGRAM_SECONDS = int(os.environ.get("LEADERBOARD_HISTOGRAM_SECONDS", "30"))
CELERY_BEAT_SCHEDULE["rewards-leaderboard-rebuild"] = {
    "task": "rewards.leaderboard.leaderboard_rebuild_task",
    "schedule": crontab(minute="15", hour="3"),
}
# The leaderboard's own enum names in the schema (a bare "period" or "metric" collides).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "LeaderboardPeriodEnum": "rewards.leaderboard.PERIODS",
        "LeaderboardMetricEnum": "rewards.leaderboard.METRICS",
    }
)

# --- reads: auth, throttle, health (docs/benchmarks.md, "Reads and serving") ---
# Django's Redis cache with one redis-py client per pool instead of one built per cache call.
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "config.cache.RedisCache"
# CSP and flash messages skip the JSON API (/api/v1/): nothing of theirs applies there
# (config/site_only.py says what stays on, and why).
MIDDLEWARE[MIDDLEWARE.index("csp.middleware.CSPMiddleware")] = "config.site_only.CSPMiddleware"
MIDDLEWARE[MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware")] = (
    "config.site_only.MessageMiddleware"
)

# --- Redis reconnects (tests/faults/test_redis_restart.py) ---
# When Redis restarts, every connection a pool kept is dead, and redis-py retries nothing on
# connections made from a URL (Retry(NoBackoff(), 0)): the first command on each stale connection
# failed. A chat message was stored and then answered 500 (its broadcast met a dead channel-layer
# connection), a WebSocket was refused, health said 503 with Redis back up: once per pooled
# connection, in every process, until each had failed once. One retry, on a fresh connection,
# makes the first request after the restart succeed; while Redis is down the retry is refused as
# fast as the first try. (A command retried after Redis executed it but before it answered runs
# twice: a throttle count one too high, a group message the receiver may see twice.)
if REDIS_URL:
    from redis.asyncio.retry import Retry as _AsyncRedisRetry
    from redis.backoff import NoBackoff as _RedisNoBackoff
    from redis.retry import Retry as _RedisRetry

    if CACHES["default"]["BACKEND"].endswith("RedisCache"):
        CACHES["default"].setdefault("OPTIONS", {})["retry"] = _RedisRetry(_RedisNoBackoff(), 1)
    for _layer in CHANNEL_LAYERS.values():
        for _host in _layer.get("CONFIG", {}).get("hosts", []):
            if isinstance(_host, dict):
                _host["retry"] = _AsyncRedisRetry(_RedisNoBackoff(), 1)
