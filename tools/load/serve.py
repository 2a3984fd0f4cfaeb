"""Serve a Streamlit app, optionally profiling every script run: `python -m tools.load.serve APP [ARGS]`.

Without `PORTAL_BENCH_PROFILE` this is exactly `streamlit run APP ARGS`. With `PORTAL_BENCH_PROFILE=FILE`, each
script run is profiled with cProfile in its own script thread and the statistics are kept per page (the URL path
the run ended on); on SIGUSR1 and at exit they are written to FILE as a pickle
`{page: {"runs": n, "cpu_s": s, "wall_s": s, "stats": pstats-dict}}`, read by `tools.load.profile`; SIGUSR2
forgets what was profiled so far (the warm-up).
"""

from __future__ import annotations

import cProfile
import os
import pickle
import pstats
import signal
import sys
import threading
import time

_lock = threading.Lock()
_pages: dict[str, dict] = {}


def _page_of(ctx) -> str:
    try:
        manager = ctx.pages_manager
        info = manager.get_pages().get(manager.current_page_script_hash) or {}
        return info.get("url_pathname") or "(default page: login or the role's home)"
    except Exception:  # noqa: BLE001 - a profile label only
        return "(unknown)"


_CPU_CLOCK = os.environ.get("PORTAL_BENCH_PROFILE_CLOCK") == "cpu"


def _install_profiler(path: str) -> None:
    from streamlit.runtime.scriptrunner import script_runner

    original = script_runner.exec_func_with_error_handling

    def profiled(func, ctx):
        # PORTAL_BENCH_PROFILE_CLOCK=cpu: the calls' CPU time in this thread instead of their wall time
        profile = cProfile.Profile(time.thread_time) if _CPU_CLOCK else cProfile.Profile()
        cpu, wall = time.thread_time(), time.perf_counter()
        profile.enable()
        try:
            return original(func, ctx)
        finally:
            profile.disable()
            cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
            page = _page_of(ctx)
            stats = pstats.Stats(profile)
            with _lock:
                entry = _pages.setdefault(page, {"runs": 0, "cpu_s": 0.0, "wall_s": 0.0, "stats": None})
                entry["runs"] += 1
                entry["cpu_s"] += cpu
                entry["wall_s"] += wall
                if entry["stats"] is None:
                    entry["stats"] = stats
                else:
                    entry["stats"].add(stats)

    script_runner.exec_func_with_error_handling = profiled

    def dump(*_args) -> None:
        with _lock:
            data = {
                page: {"runs": e["runs"], "cpu_s": e["cpu_s"], "wall_s": e["wall_s"], "stats": e["stats"].stats}
                for page, e in _pages.items()
                if e["stats"] is not None
            }
        tmp = f"{path}.tmp"
        with open(tmp, "wb") as handle:
            pickle.dump(data, handle)
        os.replace(tmp, path)

    def reset(*_args) -> None:
        with _lock:
            _pages.clear()

    signal.signal(signal.SIGUSR1, dump)
    signal.signal(signal.SIGUSR2, reset)  # after a warm-up: first runs (imports, compiling pages) left out
    import atexit

    atexit.register(dump)


def main() -> None:
    path = os.environ.get("PORTAL_BENCH_PROFILE")
    if path:
        _install_profiler(path)
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
