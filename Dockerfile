# SkillSwap application image: one image for every process (gunicorn for HTTP, uvicorn for /ws/,
# Celery worker and beat, the migrate one-shot). What runs is chosen by the command; how it is wired (PostgreSQL,
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
# versions, the servers included: gunicorn (HTTP) and uvicorn[standard] (/ws/); daphne serves only
# `runserver` in development.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .

# Build-time steps run on the embedded settings (no DJANGO_ENV=production here: production refuses
# to load without its secrets). collectstatic runs at deploy time in the migrate service, into the
# shared static volume, with the production (manifest) storage.
RUN python manage.py compilemessages --ignore=.venv --ignore=var -v0 \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p /app/var/static /app/var/media /app/var/beat \
    && chown -R app:app /app/var

USER app

# 8000: gunicorn (HTTP, WEB_BIND); 8001: uvicorn (/ws/, UVICORN_PORT). docker-compose.yml runs both.
EXPOSE 8000 8001

CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "config.wsgi:application"]
