"""`bench load`: simulated users over Streamlit's websocket protocol against a real portal it starts itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tools.load import parse_options, percentile
from tools.load.protocol import require_loopback

ROOT = Path(__file__).resolve().parents[2]


def test_two_users_walk_the_portal_and_the_figures_are_reported():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    args = ["--sessions", "2", "--duration", "8", "--scan-share", "0.5", "--think-time", "0.3", "--baseline-runs", "2"]
    done = subprocess.run(
        [sys.executable, "-m", "portal", "bench", "load", *args, "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout)
    keys = ["sessions", "interactions", "p50_ms", "p95_ms", "p99_ms", "errors", "scans", "scan_p50_ms",
            "scan_p95_ms", "server_rss_mb", "cpu_s"]  # fmt: skip
    assert list(figures)[: len(keys)] == keys
    assert figures["sessions"] == 2
    assert figures["errors"] == 0, figures.get("error_samples")
    # both users logged in and walked on: the candidate saw its pages, the scanner had its card checked
    walked = figures["by_interaction"]
    assert walked["login"]["n"] == 2
    assert "candidate_identity" in walked and "candidate_unit" in walked
    assert figures["scans"] >= 1 and figures["scan_outcomes"].get("not_verified", 0) >= 1
    assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"]
    assert figures["scan_p50_ms"] > 0 and figures["cpu_s"] > 0 and figures["server_rss_mb"] > 50
    costs = figures["per_run_cpu_ms"]
    for app in ("portal", "bare"):
        assert set(costs[app]) == {"new_visitor", "login_rerun", "home_rerun"}
    assert costs["ratio"]["new_visitor"] is not None


def test_options_are_checked_and_only_loopback_is_allowed():
    assert parse_options(["--sessions", "3", "--duration", "2"])["sessions"] == 3
    with pytest.raises(Exception, match="range"):
        parse_options(["--sessions", "0"])
    with pytest.raises(ValueError, match="loopback"):
        require_loopback("http://example.com:8501")
    require_loopback("http://127.0.0.1:8501")
    assert percentile([0.1, 0.2, 0.3, 0.4], 0.5) == 0.2
    assert percentile([0.1, 0.2, 0.3, 0.4], 0.95) == 0.4
