# SkillSwap application image: one image for every process (web ASGI server, Celery worker and
# beat, the migrate one-shot). What runs is chosen by the command; how it is wired (PostgreSQL,
# Redis, secrets) comes only from the environment (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    SKILLSWAP_VAR_DIR=/app/var

# gettext: msgfmt for compilemessages (the .mo catalogues are build output, never committed).
# psycopg-binary and the other wheels bring their own native libraries.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first so that code changes do not reinstall them. The lock is the only source of
# versions; the ASGI server for production is added here, not to the lock (docs/pitfalls.md: uvicorn
# workers in production, daphne only for runserver).
COPY requirements.lock ./
RUN pip install -r requirements.lock \
    && pip install "uvicorn[standard]"

COPY . .

# Build-time steps run on the embedded settings (no DJANGO_ENV=production here: production refuses
# to load without its secrets). collectstatic runs at deploy time in the migrate service, into the
# shared static volume, with the production (manifest) storage.
RUN python manage.py compilemessages --ignore=.venv --ignore=var -v0 \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p /app/var/static /app/var/media /app/var/beat \
    && chown -R app:app /app/var

USER app

EXPOSE 8000

CMD ["uvicorn", "config.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
