"""deploy/nginx.conf for real, on loopback: Debian's nginx in front of several portal processes.

The recipe is rendered into a folder with test ports (no TLS, listen on a free loopback port, the given portal
processes as the upstream, pid/log/temp paths in the folder); its sticky-session maps, upstream hash and
websocket upgrade directives are kept as they are. An access log in the `upstream` format
(`$upstream_addr`, `$portal_node`) shows which process served each request. Used by `bench load --processes`
and by tests/e2e/test_nginx.py, so the adaptation of the recipe is written once.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tools.load.server import ROOT, free_port

NGINX = os.environ.get("PORTAL_NGINX", shutil.which("nginx") or "/usr/sbin/nginx")
RECIPE = ROOT / "deploy" / "nginx.conf"


class RecipeChanged(RuntimeError):
    """deploy/nginx.conf no longer has a line the rendering replaces or must keep."""


def available() -> bool:
    return Path(NGINX).exists()


def _require(found: bool, what: str) -> None:
    if not found:
        raise RecipeChanged(what)


def render_config(folder: Path, listen_port: int, upstreams: list[str]) -> Path:
    """The recipe with test ports: one plain-HTTP loopback server, the given upstream servers, paths in `folder`."""
    text = RECIPE.read_text()
    # The HTTP→HTTPS redirect server is for port 80 in production; on loopback there is no TLS.
    redirect = re.search(r"server \{\s*listen 80;.*?return 301[^}]*\}\n", text, flags=re.S)
    _require(redirect is not None, "recipe changed: no port-80 redirect server block")
    text = text.replace(redirect.group(0), "")
    servers = "".join(f"    server {address} max_fails=3 fail_timeout=10s;\n" for address in upstreams)
    text, count = re.subn(r"(    server 127\.0\.0\.1:\d+ [^\n]*\n)+", servers, text)
    _require(count == 1, "recipe changed: upstream server lines not found")
    text, count = re.subn(r"    listen 443 ssl http2;[^\n]*\n    listen \[::\]:443 ssl http2;\n", "", text)
    _require(count == 1, "recipe changed: TLS listen lines not found")
    text = text.replace("server_name portal.example.org;", f"listen 127.0.0.1:{listen_port};\n    server_name _;")
    text = re.sub(r"\n    ssl_[^\n]*", "", text)
    text = text.replace("/var/log/nginx/portal.access.log", f"{folder / 'access.log'} upstream")
    for directive in ("proxy_set_header Upgrade $http_upgrade;", "hash $portal_node consistent;"):
        _require(directive in text, f"recipe directive lost in rendering: {directive}")
    (folder / "portal.conf").write_text(text)
    temp = folder / "temp"
    temp.mkdir(exist_ok=True)
    main = folder / "nginx.conf"
    main.write_text(
        f"""daemon off;
master_process on;
worker_processes 1;
{"user root;" if os.geteuid() == 0 else ""}
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} info;
events {{ worker_connections 4096; }}  # two per tab (client, upstream): up to 1000 simulated users
http {{
    client_body_temp_path {temp / "body"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};
    log_format upstream '$request_method $uri $status upstream=$upstream_addr node=$portal_node';
    include {folder / "portal.conf"};
}}
"""
    )
    return main


@dataclass
class Nginx:
    url: str
    process: subprocess.Popen
    folder: Path

    @property
    def access_log(self) -> Path:
        return self.folder / "access.log"

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def start(folder: Path, upstreams: list[str], *, timeout: float = 20.0) -> Nginx:
    """Check the rendered recipe (`nginx -t`), start nginx on a free loopback port, wait until /healthz is ok."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = render_config(folder, port, upstreams)
    checked = subprocess.run([NGINX, "-t", "-c", str(config)], capture_output=True, text=True)
    if checked.returncode != 0:
        raise RuntimeError(f"nginx -t refused the rendered recipe:\n{checked.stderr[-2000:]}")
    process = subprocess.Popen([NGINX, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    nginx = Nginx(f"http://127.0.0.1:{port}", process, folder)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{nginx.url}/healthz", timeout=2) as response:
                if response.read() == b"ok":
                    return nginx
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            nginx.stop()
            log = folder / "error.log"
            raise RuntimeError(f"nginx did not answer /healthz:\n{log.read_text()[-2000:] if log.exists() else ''}")
        time.sleep(0.3)


# `$upstream_addr` lists every server nginx tried for a request ("127.0.0.1:8501, 127.0.0.1:8502"): the last
# one answered.


def _lines(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def upstreams_for(log: Path, node: str) -> set[str]:
    """Upstream addresses that served requests carrying the given sticky cookie."""
    seen = set()
    for line in _lines(log):
        match = re.search(r"upstream=(.+?) node=(\S+)$", line)
        if match and match.group(2) == node:
            seen.update(address.strip() for address in match.group(1).split(","))
    return seen


def websocket_upgrades(log: Path, node: str) -> set[str]:
    """Upstream addresses that answered an upgraded (101) /_stcore/stream of the given sticky cookie."""
    served = set()
    for line in _lines(log):
        match = re.search(r"^GET /_stcore/stream 101 upstream=(.+?) node=(\S+)$", line)
        if match and match.group(2) == node:
            served.add(match.group(1).split(",")[-1].strip())
    return served


def sessions_by_upstream(log: Path) -> tuple[dict[str, int], int]:
    """Upgraded websockets (one per browser tab) per upstream address, and how many of them were not sticky.

    nginx logs a websocket when it closes. A tab is sticky when its websocket carried the `portal_node` cookie
    nginx set on the client's first plain request (else its node is a fresh id seen on no other line) and all
    requests with that cookie reached the upstream of the websocket.
    """
    counts: Counter[str] = Counter()
    seen: dict[str, set[str]] = {}  # node -> upstreams of its plain requests
    sockets: list[tuple[str, str]] = []  # (node, upstream)
    for line in _lines(log):
        match = re.search(r"^(\S+) (\S+) (\d+) upstream=(.+?) node=(\S+)$", line)
        if not match:
            continue
        method, uri, status, upstream, node = match.groups()
        upstream = upstream.split(",")[-1].strip()
        if method == "GET" and uri == "/_stcore/stream" and status == "101":
            counts[upstream] += 1
            sockets.append((node, upstream))
        else:
            seen.setdefault(node, set()).add(upstream)
    unsticky = sum(1 for node, upstream in sockets if seen.get(node) != {upstream})
    return dict(sorted(counts.items())), unsticky
