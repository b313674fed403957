"""``make cluster`` (scripts/cluster) and docker-compose.yml describe the same processes.

The production shape (docs/benchmarks.md, "WSGI or ASGI for the REST API"): per replica, gunicorn
gthread serves HTTP and uvicorn serves only ``/ws/``; nginx routes by path; one Celery worker, one
beat. Both files run each process with the same command and the same environment variables.
"""

from __future__ import annotations

import re
import runpy
import shlex
import string
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SCRIPT = (ROOT / "scripts" / "cluster").read_text()
TEMPLATE = (ROOT / "deploy" / "nginx.conf.template").read_text()
# scripts/cluster's name for each compose service's command array
COMMANDS = {
    "web": "WEB_COMMAND",
    "ws": "WS_COMMAND",
    "worker": "WORKER_COMMAND",
    "beat": "BEAT_COMMAND",
}
# per-host values: where beat keeps its schedule
BEAT_SCHEDULE = {"$DIR/celerybeat-schedule": "/app/var/beat/celerybeat-schedule"}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def cluster_command(name: str) -> list[str]:
    match = re.search(rf"^{name}=\((.*)\)$", SCRIPT, re.MULTILINE)
    assert match, f"scripts/cluster defines no {name}"
    return [BEAT_SCHEDULE.get(part, part) for part in shlex.split(match.group(1))]


def cluster_environment(process: str) -> set[str]:
    """Variables scripts/cluster gives ``process``: its exports, plus those of its `start` line."""
    body = SCRIPT[SCRIPT.index("environment() {") : SCRIPT.index("start() {")]
    exported = {
        name
        for line in body.splitlines()
        if line.strip().startswith("export ")
        for name in re.findall(r"(?:^|\s)([A-Z][A-Z0-9_]*)=", line.strip()[len("export ") :])
    }
    start = re.search(rf'^\s*start "?{process}\S*"? (.*) -- ', SCRIPT, re.MULTILINE)
    assigned = set(re.findall(r"([A-Z][A-Z0-9_]*)=", start.group(1))) if start else set()
    return exported | assigned


def test_web_ws_worker_and_beat_run_the_same_commands_in_both():
    services = compose()

    for service, array in COMMANDS.items():
        # then each process runs exactly the same program with the same arguments
        assert services[service]["command"] == cluster_command(array), service

    # and HTTP is gunicorn's (WSGI), /ws/ uvicorn's (ASGI)
    assert cluster_command("WEB_COMMAND")[:3] == ["gunicorn", "--config", "deploy/gunicorn.conf.py"]
    assert "config.wsgi:application" in cluster_command("WEB_COMMAND")
    assert cluster_command("WS_COMMAND")[:2] == ["uvicorn", "config.asgi:application"]


def test_each_process_gets_the_same_environment_in_both():
    services = compose()
    # what each process reads that only the shell needs, or that names the other server's options
    shell_only = {"PATH"}
    web_only = {name for name in cluster_environment("web") if name.startswith("WEB_")}
    ws_only = {name for name in cluster_environment("ws") if name.startswith("UVICORN_")}

    for service in ("web", "ws", "worker", "beat"):
        in_compose = set(services[service]["environment"])
        in_cluster = cluster_environment(service) - shell_only
        if service != "web":
            in_cluster -= web_only
        if service != "ws":
            in_cluster -= ws_only

        # then both give the process the same variables
        assert in_compose == in_cluster, (service, in_compose ^ in_cluster)

    web = services["web"]["environment"]
    ws = services["ws"]["environment"]
    assert (web["DJANGO_ENV"], web["NUM_PROXIES"]) == ("production", "1")
    assert "export DJANGO_ENV=production" in SCRIPT
    assert "export NUM_PROXIES=1" in SCRIPT
    assert web["WEB_THREADS"] == "${WEB_THREADS:-4}"
    assert 'WEB_THREADS="${CLUSTER_THREADS:-${WEB_THREADS:-4}}"' in SCRIPT
    assert ws["UVICORN_WORKERS"] == "1"
    assert "UVICORN_WORKERS=1" in SCRIPT


def test_both_run_two_replicas_of_web_and_ws_behind_the_one_nginx_template():
    services = compose()
    proxy = services["proxy"]["environment"]

    assert (services["web"]["deploy"]["replicas"], services["ws"]["deploy"]["replicas"]) == (2, 2)
    assert services["beat"]["deploy"]["replicas"] == 1
    assert 'REPLICAS="${CLUSTER_REPLICAS:-2}"' in SCRIPT
    assert "deploy/nginx.conf.template" in SCRIPT
    assert any("deploy/nginx.conf.template" in v for v in services["proxy"]["volumes"])
    # the proxy's HTTP upstream is gunicorn's address, its /ws/ upstream uvicorn's, in both
    assert proxy["HTTP_SERVERS"].startswith("server web:8000 ")
    assert services["web"]["environment"]["WEB_BIND"] == "0.0.0.0:8000"
    assert proxy["WS_SERVERS"].startswith("server ws:8001 ")
    assert services["ws"]["environment"]["UVICORN_PORT"] == "8001"
    assert 'http+="server 127.0.0.1:$((PORT + i)) ' in SCRIPT
    assert 'start "web$i" WEB_BIND="127.0.0.1:$((PORT + i))" --' in SCRIPT
    assert 'ws+="server 127.0.0.1:$((PORT + 10 + i)) ' in SCRIPT
    assert 'start "ws$i" UVICORN_HOST=127.0.0.1 UVICORN_PORT="$((PORT + 10 + i))" --' in SCRIPT
    # the single-replica door: the same template, replica 1 only, on CLUSTER_PORT+100
    assert 'DOOR_PORT="$((PORT + 100))"' in SCRIPT
    assert 'render_nginx nginx-one "$DOOR_PORT" 1' in SCRIPT


def test_the_nginx_template_routes_ws_to_uvicorn_and_retries_only_idempotent_requests():
    ws = TEMPLATE[TEMPLATE.index("location /ws/ {") :]
    ws = ws[: ws.index("}")]
    http = TEMPLATE[TEMPLATE.index("location / {") :]
    http = http[: http.index("}")]

    assert "proxy_pass http://skillswap_ws;" in ws
    assert "proxy_set_header Upgrade $http_upgrade;" in ws
    assert "proxy_pass http://skillswap_http;" in http
    # a loaded replica (read timeout, its own 503) is not a failed one
    assert "proxy_next_upstream error http_502 http_504;" in http
    retries = [line for line in TEMPLATE.splitlines() if "proxy_next_upstream " in line]
    assert all("non_idempotent" not in line for line in retries)


def test_gunicorn_outlasts_the_proxys_keepalive_and_recycles_workers_with_jitter():
    # given gunicorn's configuration as gunicorn reads it
    config = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    nginx_idle = int(re.search(r"keepalive_timeout (\d+)s;", TEMPLATE).group(1))

    # then
    assert (config["worker_class"], config["threads"]) == ("gthread", 4)
    assert config["keepalive"] > nginx_idle
    assert re.search(r"^\s*keepalive \d+;", TEMPLATE, re.MULTILINE)
    assert config["max_requests"] > 0
    assert 0 < config["max_requests_jitter"] < config["max_requests"]
    assert config["control_socket_disable"] is True


def test_gunicorn_refuses_to_start_with_more_threads_than_pooled_connections(monkeypatch):
    # given a pool of 2 connections per process and 4 threads per worker
    config = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    database = {**settings.DATABASES["default"], "OPTIONS": {"pool": {"max_size": 2}}}
    monkeypatch.setitem(settings.DATABASES, "default", database)
    logged: list[str] = []
    server = SimpleNamespace(
        cfg=SimpleNamespace(threads=4), log=SimpleNamespace(error=lambda *a: logged.append(a))
    )

    # when
    with pytest.raises(SystemExit) as refused:
        config["on_starting"](server)

    # then
    assert str(refused.value) == (
        "gunicorn: DATABASE_POOL_MAX is 2 but each gunicorn worker runs 4 threads (WEB_THREADS):"
        " set DATABASE_POOL_MAX to at least 4, or lower WEB_THREADS"
    )
    assert config["pool_problem"](10, 4) is None
    assert config["pool_problem"](None, 4) is None  # SQLite: no pool


def test_the_template_renders_a_configuration_nginx_accepts(tmp_path):
    # given the template filled in as scripts/cluster fills it, for the single-replica door
    body = string.Template(TEMPLATE).safe_substitute(
        HTTP_SERVERS="server 127.0.0.1:8301 max_fails=3 fail_timeout=10s; ",
        WS_SERVERS="server 127.0.0.1:8311 max_fails=3 fail_timeout=10s; ",
        LISTEN="127.0.0.1:8400",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    temp = tmp_path / "temp"
    temp.mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        "events { worker_connections 64; }\n"
        "http { include /etc/nginx/mime.types;\n"
        f"client_body_temp_path {temp}/b; proxy_temp_path {temp}/p; fastcgi_temp_path {temp}/f;\n"
        f"uwsgi_temp_path {temp}/u; scgi_temp_path {temp}/s;\n{body}\n}}\n"
    )

    # when (nginx is a dependency of the cluster and of the fault tests: missing, this fails)
    checked = subprocess.run(  # noqa: S603
        ["nginx", "-t", "-q", "-c", str(conf), "-p", str(tmp_path)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )

    # then
    assert (checked.returncode, checked.stderr) == (0, ""), checked.stderr


def test_the_cluster_script_parses():
    # when
    checked = subprocess.run(  # noqa: S603
        ["bash", "-n", str(ROOT / "scripts" / "cluster")],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )

    # then
    assert (checked.returncode, checked.stderr) == (0, "")
