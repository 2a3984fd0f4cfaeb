"""Load benchmark: `python -m portal bench load [--sessions N --duration S ...] [--json]`.

Serves the portal (or targets `--url`) and runs simulated users over Streamlit's own websocket protocol, no
browser: each logs in with a demo account and walks its role's pages (candidates: 首页, 实名认证, 工作单位 with a
search, 信息确认; a share of them scan an ID card; unit admins, reviewers and analysts their pages). Before the
load it measures the server CPU of one run of the login page and of the candidate home, against a bare
Streamlit app with the same widgets (tools/load/bare_app.py). With `--processes N` (2..4) it starts N portal
processes on the same database and Debian's nginx with deploy/nginx.conf in front of them (tools/load/nginx.py);
the users then go through nginx and keep its sticky cookie. See README, "Load".
"""

from __future__ import annotations

import asyncio
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import click

from tools.load import nginx
from tools.load.profile import render as render_profile  # noqa: F401 - used by `portal bench`
from tools.load.protocol import RunResult, StreamlitSession, require_loopback
from tools.load.scenarios import LOGIN_PASSWORD, LOGIN_USER, PASSWORD, Account, Recorder, User
from tools.load.server import ROOT, Server, start

MAX_DURATION = 600.0
MAX_SESSIONS = 1000
MAX_PROCESSES = 4
OPTIONS = [
    click.Option(["--sessions"], type=click.IntRange(1, MAX_SESSIONS), default=10, help="Simulated users."),
    click.Option(["--duration"], type=click.FloatRange(1, MAX_DURATION), default=30.0, help="Seconds of load."),
    click.Option(["--scan-share"], type=click.FloatRange(0, 1), default=0.1, help="Share of users who scan."),
    click.Option(["--think-time"], type=click.FloatRange(0, 120), default=5.0, help="Mean pause (s)."),
    click.Option(
        ["--processes"],
        type=click.IntRange(1, MAX_PROCESSES),
        default=1,
        help="Portal processes; 2 or more behind Debian's nginx with deploy/nginx.conf.",
    ),  # fmt: skip
    click.Option(["--url"], default=None, help="Target a running portal (loopback) instead of starting one."),
    click.Option(["--profile"], is_flag=True, help="Profile the server's script runs; print time per page."),
    click.Option(["--compare-scan-modes"], is_flag=True, help="Run the load again with PORTAL_SCAN_MODE=thread."),
    click.Option(["--baseline-runs"], type=click.IntRange(0, 100), default=8, help="Runs per cost measurement."),
    click.Option(["--ramp"], type=click.FloatRange(0, MAX_DURATION), default=1.0, help="Arrivals over S seconds."),
    click.Option(["--staff-share"], type=click.FloatRange(0, 0.9), default=0.3, help="Staff among the others."),
    click.Option(["--page-costs"], is_flag=True, help="Also measure a rerun of every page of every role."),
]


def parse_options(args: list[str]) -> dict:
    """The keyword arguments of `run` from the command line's extra arguments."""
    command = click.Command("load", params=OPTIONS)
    with command.make_context("bench load", list(args)) as context:
        return dict(context.params)


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))  # nearest rank
    return ordered[index]


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def _portal(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "portal", *args], cwd=ROOT, env={**os.environ, **env}, text=True, capture_output=True,
        input=stdin,
    )  # fmt: skip
    if done.returncode != 0:
        raise click.ClickException(f"portal {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


@dataclass
class Target:
    """What the simulated users talk to: one portal process, or nginx in front of several (`proxy`)."""

    url: str
    servers: list[Server]
    proxy: nginx.Nginx | None = None

    def cpu(self) -> list[float]:
        return [server.cpu_s() for server in self.servers]

    def worker_cpu(self) -> float:
        return sum(server.descendants_cpu_s() for server in self.servers)

    def stop(self) -> None:
        if self.proxy is not None:
            self.proxy.stop()
        for server in self.servers:
            server.stop()


def _start_target(env: dict[str, str], processes: int, workdir: Path, *, name: str, profile: bool = False) -> Target:
    """`processes` portal processes on the database of `env`; with 2 or more, nginx in front of them."""
    if processes > 1 and not nginx.available():
        raise click.ClickException(f"--processes {processes} needs nginx at {nginx.NGINX} (apt-get install nginx)")
    servers: list[Server] = []
    try:
        for index in range(processes):
            label = name if processes == 1 else f"{name}{index + 1}"
            servers.append(start("streamlit_app.py", env=env, log_dir=workdir, profile=profile, name=label))
        if processes == 1:
            return Target(servers[0].url, servers)
        addresses = [server.url.removeprefix("http://") for server in servers]
        proxy = nginx.start(workdir / f"nginx-{name}", addresses)
        return Target(proxy.url, servers, proxy)
    except BaseException:
        for server in servers:
            server.stop()
        raise


def run(
    *,
    database_url: str | None,
    sessions: int = 10,
    duration: float = 30.0,
    scan_share: float = 0.1,
    think_time: float = 5.0,
    url: str | None = None,
    profile: bool = False,
    baseline_runs: int = 8,
    compare_scan_modes: bool = False,
    page_costs: bool = False,
    ramp: float = 1.0,
    staff_share: float = 0.3,
    processes: int = 1,
) -> dict:
    """Figures of the load benchmark (keys of README, "Load")."""
    if processes > 1 and url:
        raise click.UsageError("--processes starts portal processes; with --url the portal is already running")
    if processes > 1 and profile:
        raise click.UsageError("--profile profiles one portal process; leave out --processes")
    workdir = Path(tempfile.mkdtemp(prefix="portal-load-"))
    targets: list[Target] = []
    try:
        if url:
            require_loopback(url)
            target = Target(url, [Server(url, None)])
            env = {"PORTAL_DATABASE_URL": database_url} if database_url else {}
            database = database_url or "(the running portal's)"
        else:
            data_dir = workdir / "data"
            database_url = database_url or f"sqlite:///{workdir / 'portal.db'}"
            # Simulated users cannot hold a camera: their photos are uploads, let through the automatic check
            # as at a counter that scans cards (PORTAL_ALLOW_UPLOAD_AUTO_CHECK), so each scan costs a real check.
            env = {
                "PORTAL_DATABASE_URL": database_url,
                "PORTAL_DATA_DIR": str(data_dir),
                "PORTAL_ALLOW_UPLOAD_AUTO_CHECK": "1",
            }
            database = database_url.split("://", 1)[0].split("+", 1)[0]
        scanners = round(sessions * scan_share)
        accounts = _accounts(sessions, scanners, staff_share)
        image = None
        if database_url:
            _portal(env, "migrate")
            _portal(env, "seed-demo", "--if-empty", "--candidates", str(max(50, 2 * sessions)))
            made = [a for a in accounts if a.scans or a.username.startswith("bench_")]
            image = _prepare(env, made) if made else None
            image = image if scanners else None
        else:
            # no way to prepare scans or staff accounts on a foreign server: its demo accounts, shared
            accounts = [Account(a.role, a.role if a.username.startswith("bench_") else a.username) for a in accounts]
        if not url:
            target = _start_target(env, processes, workdir, name="portal", profile=profile)
            targets.append(target)
        figures: dict = {"database": database, "processes": None if url else processes}
        warmed = 0
        if baseline_runs and not url:  # against one portal process directly, never through nginx
            bare = start("tools/load/bare_app.py", env=env, log_dir=workdir, name="bare")
            as_shipped = {"PORTAL_BENCH_BARE_GC": "default", "STREAMLIT_RUNNER_POST_SCRIPT_GC": "true"}
            shipped = start("tools/load/bare_app.py", env={**env, **as_shipped}, log_dir=workdir, name="bare-default")
            targets += [Target(bare.url, [bare]), Target(shipped.url, [shipped])]
            figures["per_run_cpu_ms"] = asyncio.run(
                _baseline(target.servers[0], bare, shipped, baseline_runs, pages=page_costs)
            )
            bare.stop()
            shipped.stop()
            warmed = 1
        asyncio.run(_warm_up([server.url for server in target.servers[warmed:] if server.process is not None]))
        if profile:
            target.servers[0].reset_profile()  # the profile shows the load, not the imports and first compiles
        figures.update(
            asyncio.run(_load(target, accounts, duration=duration, think=think_time, image=image, ramp=ramp))
        )
        figures["sessions"] = sessions
        figures["staff_share"] = staff_share
        figures["scan_mode"] = os.environ.get("PORTAL_SCAN_MODE", "pool")
        if compare_scan_modes and not url:
            other = "thread" if figures["scan_mode"] == "pool" else "pool"
            target.stop()
            second = _start_target({**env, "PORTAL_SCAN_MODE": other}, processes, workdir, name=other)
            targets.append(second)
            asyncio.run(_warm_up([server.url for server in second.servers]))
            again = asyncio.run(_load(second, accounts, duration=duration, think=think_time, image=image, ramp=ramp))
            keys = ["interactions", "p50_ms", "p95_ms", "p99_ms", "errors", "scans", "scan_p50_ms", "scan_p95_ms",
                    "cpu_s", "steady"]  # fmt: skip
            keys += ["per_process", "by_process", "unsticky_sessions"] if processes > 1 else []
            modes = {figures["scan_mode"]: {k: figures[k] for k in keys}, other: {k: again[k] for k in keys}}
            ratio = {}
            for key in ("p50_ms", "p95_ms", "scan_p50_ms", "scan_p95_ms"):
                pool_value, thread_value = modes["pool"][key], modes["thread"][key]
                ratio[key] = round(thread_value / pool_value, 2) if pool_value and thread_value else None
            for key in ("p95_ms", "scan_p95_ms"):
                pool_value, thread_value = modes["pool"]["steady"][key], modes["thread"]["steady"][key]
                ratio[f"steady_{key}"] = round(thread_value / pool_value, 2) if pool_value and thread_value else None
            figures["scan_modes"] = {**modes, "ratio_thread_to_pool": ratio}
        logs = [server.log for server in target.servers if server.log is not None]
        if figures["errors"] and logs:
            lines = [line for log in logs for line in log.read_text(errors="replace").splitlines()]
            figures["server_log_errors"] = _log_problems(lines)
        if profile and target.servers[0].process is not None:
            from tools.load.profile import summarise

            path = target.servers[0].dump_profile()
            figures["profile"] = summarise(path) if path else {}
        return _ordered(figures)
    finally:
        for each in targets:
            each.stop()
        shutil.rmtree(workdir, ignore_errors=True)


KEYS = ["sessions", "interactions", "p50_ms", "p95_ms", "p99_ms", "errors", "scans", "scan_p50_ms", "scan_p95_ms",
        "server_rss_mb", "cpu_s"]  # fmt: skip


def _ordered(figures: dict) -> dict:
    return {**{key: figures.get(key) for key in KEYS}, **{k: v for k, v in figures.items() if k not in KEYS}}


STAFF_ROLES = ("unit_admin", "reviewer", "analyst")


def _accounts(sessions: int, scanners: int, staff_share: float = 0.3) -> list[Account]:
    """Who the simulated users are: scanners first, then candidates with `staff_share` staff among them.

    In every block of ten users the first round(10 × staff_share) after the first are staff, their roles in
    turn (0.3: a unit admin, a reviewer and an analyst in every ten; 0.1: one of them in every ten).
    """
    accounts = [Account("candidate", f"137{index:08d}", scans=True) for index in range(scanners)]
    per_block = round(10 * staff_share)
    staff_seen = {role: 0 for role in STAFF_ROLES}
    candidate = 0
    for index in range(sessions - scanners):
        block, position = divmod(index, 10)
        if 1 <= position <= per_block and sessions - scanners >= 4:
            # one account per staff user (copies of the demo one, made by `_prepare`): tabs of one account that
            # log in within the same second count as attempts in a row for the lockout (portal.auth.login)
            role = STAFF_ROLES[(block * per_block + position - 1) % len(STAFF_ROLES)]
            seen = staff_seen[role]
            staff_seen[role] += 1
            accounts.append(Account(role, role if seen == 0 else f"bench_{role}_{seen:03d}"))
        else:
            # demo candidates are 13800000001 and 139xxxxxxxx (seed-demo); several tabs may share an account
            accounts.append(Account("candidate", "13800000001" if candidate == 0 else f"139{candidate - 1:08d}"))
            candidate += 1
    return accounts


SETUP = """
import sys
from db.engine import make_engine, session_scope
from db.models import User
from portal.auth import service as auth
from portal.auth.passwords import hash_password
from portal.identity import service as identity
from portal.identity.check.numbers import check_digit
from portal.core.settings import get_settings

engine = make_engine(get_settings().database_url)
usernames = [name for name in sys.argv[1:] if not name.startswith("bench_")]
staff = [name for name in sys.argv[1:] if name.startswith("bench_")]
digest = hash_password({password!r})
with session_scope(engine) as session:
    for username in staff:  # bench_<role>_<n>: a copy of the demo account of that role (same unit)
        if auth.load_actor(session, username=username) is None:
            role = username.removeprefix("bench_").rsplit("_", 1)[0]
            model = session.query(User).filter_by(username=role).one()
            session.add(User(username=username, role=role, display_name=model.display_name, unit_id=model.unit_id,
                             password_hash=digest))
    session.flush()
    for index, username in enumerate(usernames):
        if auth.load_actor(session, username=username) is None:
            session.add(User(username=username, mobile=username, role="candidate", display_name="",
                             password_hash=digest))
            session.flush()
        actor = auth.load_actor(session, username=username)
        current = identity.my_verification(session, actor=actor)
        if current is None or current.status == "unverified":
            first17 = f"420106199{{index % 10}}0101{{index % 1000:03d}}"
            identity.fill_in(session, actor=actor, real_name="欧阳测压", document_type="resident_id",
                             document_number=first17 + check_digit(first17))
"""


def _prepare(env: dict[str, str], accounts: list[Account]) -> bytes:
    """Candidates waiting at 证件扫描, the staff accounts, and a real card photo whose name is not theirs (so
    scanners can scan again)."""
    code = SETUP.format(password=PASSWORD)
    done = subprocess.run(
        [sys.executable, "-c", code, *[a.username for a in accounts]], cwd=ROOT, env={**os.environ, **env},
        text=True, capture_output=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise click.ClickException(f"could not prepare the scanning accounts: {done.stderr.strip()[-800:]}")
    from tools.idcard import generate

    return generate(["photo"], seed=18)[0].jpeg


def _clean(result: RunResult, what: str) -> RunResult:
    """A measured run must be the page, not an exception box (a failing run costs less and proves nothing)."""
    if result.exceptions:
        raise click.ClickException(
            f"{what} ended in an exception, so its CPU figure would be wrong: {result.exceptions}"
        )
    return result


async def _baseline(portal: Server, bare: Server, shipped: Server, runs: int, *, pages: bool = False) -> dict:
    """Server CPU (ms) of one run: a new visitor's first run, a rerun of the login page, a rerun of the home.

    `bare` freezes its heap as the portal does (the fair comparison of what the portal's own code costs);
    `bare_default` is the same app as Streamlit ships it, its forced garbage collection walking the whole heap.
    The three are measured in turns (`_in_turns`), so that the machine's drift falls on all of them alike.
    """
    servers = {"portal": portal, "bare": bare, "bare_default": shipped}
    figures = await _costs(servers, runs)
    for name, base in (("ratio", "bare"), ("ratio_to_bare_default", "bare_default")):
        figures[name] = {
            key: round(figures["portal"][key] / figures[base][key], 2) if figures[base][key] else None
            for key in figures["portal"]
        }
    if pages:
        figures["pages"] = await _page_costs(portal, bare, runs)
    return figures


TURNS = 5  # each measurement is split into this many turns per server, taken in rotation


async def _in_turns(servers: dict[str, Server], runs: int, once) -> dict[str, float]:
    """CPU ms per run of `once(name)` on each server, the runs split into turns taken in rotation.

    The machine's speed drifts by a third within minutes (README, "Load"): measuring one server after the other
    put that drift into the ratios; in turns, every server gets the same share of fast and slow minutes.
    """
    used = dict.fromkeys(servers, 0.0)
    turns = min(TURNS, runs)
    for turn in range(turns):
        share = runs // turns + (1 if turn < runs % turns else 0)
        for name, server in servers.items():
            before = server.cpu_s()
            for _ in range(share):
                await once(name)
            used[name] += server.cpu_s() - before
    return {name: round(total / runs * 1000, 1) for name, total in used.items()}


# Whose pages `page_cpu_ms` measures: demo accounts with data on their pages (a bound candidate with a record).
PAGE_ACCOUNTS = {
    "candidate": "13600000002",
    "unit_admin": "unit_admin",
    "reviewer": "reviewer",
    "analyst": "analyst",
    "admin": "admin",
}


async def _page_costs(server: Server, bare: Server, runs: int) -> dict:
    """Server CPU (ms) of a rerun of every page of every role, and its ratio to the bare app's login rerun.

    Each page is measured in turns with the bare login rerun, so each ratio compares the same minutes.
    """
    from pages import registry

    pages: dict[str, dict] = {}
    async with StreamlitSession(bare.url) as bare_login:
        await bare_login.open("")
        await bare_login.rerun()
        for role, username in PAGE_ACCOUNTS.items():
            async with StreamlitSession(server.url) as session:
                await session.open("")
                await _log_in(session, username)
                for spec in registry.pages_for(role):
                    _clean(await session.goto(spec.title), f"{role}'s {spec.title}")
                    await session.rerun()  # untimed: the page's first run may warm caches
                    sessions = {"page": session, "bare_login": bare_login}

                    async def once(name: str, sessions=sessions, what=f"a rerun of {role}'s {spec.title}") -> None:
                        _clean(await sessions[name].rerun(), what if name == "page" else "a bare login rerun")

                    cost = await _in_turns({"page": server, "bare_login": bare}, runs, once)
                    ratio = round(cost["page"] / cost["bare_login"], 2) if cost["bare_login"] else None
                    pages[f"{role}:{spec.url_path}"] = {
                        "cpu_ms": cost["page"],
                        "bare_login_ms": cost["bare_login"],
                        "ratio_to_bare_login": ratio,
                    }
    return dict(sorted(pages.items(), key=lambda item: item[1]["ratio_to_bare_login"] or 0, reverse=True))


async def _log_in(session: StreamlitSession, username: str = "13800000001") -> None:
    session.set_text("text_input", LOGIN_USER, username)
    session.set_text("text_input", LOGIN_PASSWORD, PASSWORD)
    await session.click("登录")
    await session.rerun()


async def _warm_up(urls: list[str]) -> None:
    """A first visit, a login and the candidate home on each process (untimed): imports, caches, the engine."""
    for url in urls:
        async with StreamlitSession(url) as session:
            await session.open("")
            await _log_in(session)


async def _costs(servers: dict[str, Server], runs: int) -> dict:
    names = {"portal": "the portal", "bare": "the bare app", "bare_default": "the bare app as shipped"}

    async def visitor(name: str) -> None:
        async with StreamlitSession(servers[name].url) as session:
            _clean(await session.open(""), f"a new visitor's first run of {names[name]}")

    for name in servers:
        for _ in range(2):  # warm-up: imports, caches, the engine
            await visitor(name)
    new_visitor = await _in_turns(servers, runs, visitor)
    await asyncio.sleep(0.3)  # let the servers finish closing the sessions
    sessions = {name: StreamlitSession(server.url) for name, server in servers.items()}
    try:
        for session in sessions.values():
            await session.connect()
            await session.open("")
            await session.rerun()

        async def rerun(name: str, page: str = "login") -> None:
            _clean(await sessions[name].rerun(), f"a {page}-page rerun of {names[name]}")

        login_rerun = await _in_turns(servers, runs, rerun)
        for session in sessions.values():
            await _log_in(session)
        home_rerun = await _in_turns(servers, runs, lambda name: rerun(name, "home"))
    finally:
        for session in sessions.values():
            await session.close()
    return {
        name: {"new_visitor": new_visitor[name], "login_rerun": login_rerun[name], "home_rerun": home_rerun[name]}
        for name in servers
    }


def _log_problems(lines: list[str], keep: int = 5) -> list[str]:
    """The last problems the servers logged: the portal's own (`unexpected …`) and Streamlit's uncaught
    exceptions, each with its traceback's last lines (where, and the exception's type and message)."""
    problems: list[str] = []
    for index, line in enumerate(lines):
        block = lines[index + 1 : index + 400]
        if "unexpected" in line:  # the portal's own: the type in the line, then the frames (indented) only
            end = next((i for i, text in enumerate(block) if not text.startswith(" ")), len(block))
            problems.append("\n".join([line, *block[:end][-8:]]))
        elif "Uncaught app execution" in line:
            end = next((i for i in range(len(block)) if _ends_traceback(block, i)), len(block) - 1)
            problems.append("\n".join([line, *block[: end + 1][-8:]]))
    return problems[-keep:]


CHAINED = ("During handling", "The above exception")


def _ends_traceback(block: list[str], i: int) -> bool:
    """Line `i` is the traceback's last: an exception (not a frame, a header or a chaining sentence) that no
    further exception is chained to."""
    if not block[i] or block[i].startswith((" ", "Traceback", *CHAINED)):
        return False
    following = next((text for text in block[i + 1 :] if text), "")
    return not following.startswith(CHAINED)


def _steady(recorder: Recorder) -> dict:
    """The figures of what started after the ramp-up: every user has arrived and logged in (or is logging in)."""
    times = [seconds for _, seconds in recorder.steady]
    logins = [seconds for what, seconds in recorder.steady if what == "login"]
    return {
        "interactions": len(times),
        "p50_ms": _ms(percentile(times, 0.50)),
        "p95_ms": _ms(percentile(times, 0.95)),
        "p99_ms": _ms(percentile(times, 0.99)),
        "logins": len(logins),
        "scans": len(recorder.steady_scans),
        "scan_p50_ms": _ms(percentile(recorder.steady_scans, 0.50)),
        "scan_p95_ms": _ms(percentile(recorder.steady_scans, 0.95)),
    }


async def _load(
    target: Target, accounts: list[Account], *, duration: float, think: float, image, ramp: float = 1.0
) -> dict:
    recorder = Recorder()
    scanner = next((a for a in accounts if a.scans), None)
    if scanner is not None and image is not None:  # untimed: the first scan starts the OCR (worker pool or model)
        for server in target.servers:  # each process directly: every one has its own pool
            warm = User(server.url, scanner, Recorder(), think=0, deadline=time.monotonic() + 180, image=image)
            await warm.warm_up()
    cpu_before = target.cpu()
    workers_before = target.worker_cpu()
    client_before = time.process_time()
    started = time.monotonic()
    deadline = started + duration
    ramp = min(ramp, duration)
    recorder.steady_from = started + ramp
    users = [User(target.url, a, recorder, think=think, deadline=deadline, image=image) for a in accounts]
    tasks = []
    for index, user in enumerate(users):  # arrivals spread evenly over the ramp-up
        await asyncio.sleep(ramp / max(1, len(users)) if index else 0)
        tasks.append(asyncio.create_task(user.run()))
    grace = 60.0  # a request in flight at the deadline may finish; then everything is cut
    done, pending = await asyncio.wait(tasks, timeout=max(0.0, deadline - time.monotonic()) + grace)
    for task in pending:
        task.cancel()
        recorder.errors.append("a user was still waiting for the server after the grace period")
    await asyncio.gather(*pending, return_exceptions=True)
    elapsed = time.monotonic() - started
    if target.proxy is not None:
        await asyncio.sleep(0.5)  # nginx logs a websocket when it closes: let it log the last ones
    cpu = [round(after - before, 2) for before, after in zip(cpu_before, target.cpu(), strict=True)]
    rss = [server.rss_mb() for server in target.servers]
    times = [seconds for _, seconds in recorder.interactions]
    by_page: dict[str, list[float]] = {}
    for what, seconds in recorder.interactions:
        by_page.setdefault(what, []).append(seconds)
    return {
        "interactions": len(times),
        "p50_ms": _ms(percentile(times, 0.50)),
        "p95_ms": _ms(percentile(times, 0.95)),
        "p99_ms": _ms(percentile(times, 0.99)),
        "errors": len(recorder.errors),
        "scans": len(recorder.scans),
        "scan_p50_ms": _ms(percentile(recorder.scans, 0.50)),
        "scan_p95_ms": _ms(percentile(recorder.scans, 0.95)),
        "server_rss_mb": round(sum(rss), 1),
        "cpu_s": round(sum(cpu), 2),
        "seconds": round(elapsed, 1),
        "scan_outcomes": recorder.scan_outcomes,
        "by_interaction": {
            what: {"n": len(v), "p50_ms": _ms(statistics.median(v)), "p95_ms": _ms(percentile(v, 0.95))}
            for what, v in sorted(by_page.items())
        },
        "error_samples": recorder.errors[:5],
        "ramp_s": ramp,
        # the same 2 cores also run the simulated users and the OCR workers: what each took
        "client_cpu_s": round(time.process_time() - client_before, 2),
        "ocr_workers_cpu_s": round(target.worker_cpu() - workers_before, 2),
        "steady": _steady(recorder),
        **_spread(target, cpu, rss),
    }


def _spread(target: Target, cpu: list[float], rss: list[float]) -> dict:
    """With nginx in front: each process's CPU and memory, and how many sessions nginx sent to each."""
    if target.proxy is None:
        return {}
    addresses = [server.url.removeprefix("http://") for server in target.servers]
    sessions, unsticky = nginx.sessions_by_upstream(target.proxy.access_log)
    return {
        "per_process": {
            address: {"cpu_s": seconds, "server_rss_mb": round(mb, 1)}
            for address, seconds, mb in zip(addresses, cpu, rss, strict=True)
        },
        "by_process": {address: sessions.get(address, 0) for address in addresses},
        "unsticky_sessions": unsticky,
    }
