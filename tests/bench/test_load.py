"""`bench load`: simulated users over Streamlit's websocket protocol against a real portal it starts itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_nginx import require_nginx
from tools.load import nginx, parse_options, percentile, run
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
    for app in ("portal", "bare", "bare_default"):
        assert set(costs[app]) == {"new_visitor", "login_rerun", "home_rerun"}
    assert costs["ratio"]["new_visitor"] is not None and costs["ratio_to_bare_default"]["login_rerun"] is not None


def test_options_are_checked_and_only_loopback_is_allowed():
    assert parse_options(["--sessions", "3", "--duration", "2"])["sessions"] == 3
    with pytest.raises(Exception, match="range"):
        parse_options(["--sessions", "0"])
    with pytest.raises(ValueError, match="loopback"):
        require_loopback("http://example.com:8501")
    require_loopback("http://127.0.0.1:8501")
    assert percentile([0.1, 0.2, 0.3, 0.4], 0.5) == 0.2
    assert percentile([0.1, 0.2, 0.3, 0.4], 0.95) == 0.4


def test_two_processes_behind_nginx_share_the_users(monkeypatch):
    require_nginx()
    monkeypatch.delenv("PORTAL_SCAN_MODE", raising=False)
    # nginx hashes a random cookie per user: with 12 users all land on one process once in 2,048 runs
    # the 12th user is a second unit admin: a staff account of its own (bench_unit_admin_001), made by the bench
    figures = run(database_url=None, processes=2, sessions=12, duration=10, scan_share=0, think_time=0.5,
                  baseline_runs=0, ramp=2)  # fmt: skip
    assert figures["processes"] == 2 and figures["database"] == "sqlite"
    assert figures["errors"] == 0, figures.get("error_samples")
    assert figures["interactions"] > 0 and figures["by_interaction"]["login"]["n"] == 12
    per_process, by_process = figures["per_process"], figures["by_process"]
    assert len(per_process) == 2 and set(by_process) == set(per_process)
    assert all(process["cpu_s"] > 0 and process["server_rss_mb"] > 50 for process in per_process.values())
    assert figures["cpu_s"] == pytest.approx(sum(p["cpu_s"] for p in per_process.values()), abs=0.02)
    # every user's websocket went through nginx (logged as upgraded) with the cookie nginx had set
    assert sum(by_process.values()) == 12 and all(count > 0 for count in by_process.values()), by_process
    assert figures["unsticky_sessions"] == 0
    # after the 2 s ramp-up every user is in: the steady-state figures count only what started after it
    steady = figures["steady"]
    assert figures["ramp_s"] == 2 and 0 < steady["interactions"] < figures["interactions"]
    assert steady["p50_ms"] <= steady["p95_ms"]


def test_the_nginx_log_tells_sessions_per_process_and_lost_cookies(tmp_path):
    log = tmp_path / "access.log"
    log.write_text(
        "GET /_stcore/health 200 upstream=127.0.0.1:1 node=a\n"
        "GET /_stcore/health 200 upstream=127.0.0.1:2 node=b\n"
        "GET /_stcore/stream 101 upstream=127.0.0.1:1 node=a\n"
        "GET /_stcore/stream 101 upstream=127.0.0.1:2 node=b\n"
        "GET /_stcore/stream 101 upstream=127.0.0.1:2 node=fresh\n"  # the cookie was not sent on the upgrade
        "GET /_stcore/health 200 upstream=127.0.0.1:2 node=c\n"
        "GET /_stcore/stream 101 upstream=127.0.0.1:9, 127.0.0.1:1 node=c\n"  # moved to another process
    )
    counts, unsticky = nginx.sessions_by_upstream(log)
    assert counts == {"127.0.0.1:1": 2, "127.0.0.1:2": 2}
    assert unsticky == 2


def test_processes_are_checked():
    assert parse_options(["--processes", "4"])["processes"] == 4
    assert parse_options([])["processes"] == 1
    with pytest.raises(Exception, match="range"):
        parse_options(["--processes", "5"])
    with pytest.raises(Exception, match="--url"):
        run(database_url=None, processes=2, url="http://127.0.0.1:8501")


def test_the_mix_of_users_follows_the_staff_share_and_gives_staff_their_own_accounts():
    from tools.load import _accounts

    for share, staff in ((0.3, 27), (0.1, 9), (0.0, 0)):
        accounts = _accounts(100, 10, share)
        assert len(accounts) == 100 and sum(a.scans for a in accounts) == 10
        others = [a for a in accounts if a.role != "candidate"]
        assert len(others) == staff
        assert len({a.username for a in others}) == staff  # no two staff users share an account
        assert {a.role for a in others} == (set() if not staff else {"unit_admin", "reviewer", "analyst"})


def test_a_server_problem_is_reported_with_its_exception_and_where():
    from tools.load import _log_problems

    lines = [
        "2026-12-03 08:41:03.660 Uncaught app execution",
        "Traceback (most recent call last):",
        '  File "/app/pages/candidate/home.py", line 12, in <module>',
        "    with reading() as db_session:",
        "sqlite3.OperationalError: database is locked",
        "",
        "The above exception was the direct cause of the following exception:",
        "",
        "Traceback (most recent call last):",
        '  File "/app/pool.py", line 3, in get',
        "sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached",
        "2026-12-03 08:41:04.001 portal.pages ERROR unexpected TimeoutError on a page",
        '  File "/app/pages/components/ui.py", line 120, in act',
        "2026-12-03 08:41:05.000 INFO something else",
    ]
    uncaught, own = _log_problems(lines)
    assert uncaught.splitlines()[-1].startswith("sqlalchemy.exc.TimeoutError: QueuePool limit")
    assert "pool.py" in uncaught
    assert own.splitlines() == lines[11:13], "the portal's own: its line and its frames, not the next record"
