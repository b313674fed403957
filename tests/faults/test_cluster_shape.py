"""``make cluster`` (scripts/cluster) and docker-compose.yml describe the same processes."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def cluster_line(name: str) -> str:
    """The `start <name> …` command of scripts/cluster's default (asgi) shape."""
    script = (ROOT / "scripts" / "cluster").read_text()
    for line in script.splitlines():
        if re.match(rf'\s*start "?{name}', line) and "gunicorn" not in line:
            return line
    raise AssertionError(f"scripts/cluster starts no {name}")


def test_web_worker_and_beat_run_the_same_commands_in_both():
    services = compose()
    # given each process's command in docker-compose.yml, less what differs per host
    for name, process in (("web", "web"), ("worker", "worker"), ("beat", "beat")):
        command = [
            part
            for part in services[name]["command"]
            if not re.fullmatch(r"0\.0\.0\.0|8000|2|/app/.*", part)
        ]
        line = cluster_line(process)

        # then scripts/cluster runs the same program with the same arguments
        missing = [part for part in command if part not in line]
        assert missing == [], (name, line)


def test_both_run_two_replicas_behind_the_same_nginx_template_in_production():
    services = compose()
    script = (ROOT / "scripts" / "cluster").read_text()

    assert services["web"]["deploy"]["replicas"] == 2
    assert 'REPLICAS="${CLUSTER_REPLICAS:-2}"' in script
    assert "deploy/nginx.conf.template" in script
    assert any("deploy/nginx.conf.template" in v for v in services["proxy"]["volumes"])
    environment = services["web"]["environment"]
    assert environment["DJANGO_ENV"] == "production"
    assert "export DJANGO_ENV=production" in script
    assert environment["NUM_PROXIES"] == "1"
    assert "NUM_PROXIES=1" in script


def test_the_nginx_template_upgrades_websockets_and_retries_only_idempotent_requests():
    template = (ROOT / "deploy" / "nginx.conf.template").read_text()

    assert "proxy_set_header Upgrade $http_upgrade;" in template
    assert "proxy_next_upstream error timeout http_502 http_503 http_504;" in template
    retries = [line for line in template.splitlines() if "proxy_next_upstream " in line]
    assert all("non_idempotent" not in line for line in retries)
