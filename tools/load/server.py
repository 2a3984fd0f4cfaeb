"""Start a Streamlit server for the load benchmark on a free loopback port, and read its CPU and memory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen | None  # None when the bench targets a server it did not start (--url)
    log: Path | None = None
    profile: Path | None = None

    def cpu_s(self) -> float:
        """User + system CPU seconds used by the server process so far (0 when it is not ours)."""
        if self.process is None:
            return 0.0
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def descendants_cpu_s(self) -> float:
        """User + system CPU seconds of the server's live child processes and theirs (the OCR worker pool)."""
        if self.process is None:
            return 0.0
        total, todo = 0.0, [self.process.pid]
        while todo:
            pid = todo.pop()
            try:
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                continue
            for child in children:
                try:
                    fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                total += (int(fields[11]) + int(fields[12])) / TICKS
                todo.append(int(child))
        return total

    def rss_mb(self) -> float:
        if self.process is None:
            return 0.0
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def dump_profile(self) -> Path | None:
        """Ask the server to write its profile (SIGUSR1) and wait for the file."""
        if self.process is None or self.profile is None:
            return None
        before = self.profile.stat().st_mtime_ns if self.profile.exists() else 0
        self.process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.profile.exists() and self.profile.stat().st_mtime_ns != before:
                return self.profile
            time.sleep(0.1)
        return self.profile if self.profile.exists() else None

    def reset_profile(self) -> None:
        """Forget what the server profiled so far (SIGUSR2): the warm-up's imports and first compiles."""
        if self.process is not None and self.profile is not None:
            self.process.send_signal(signal.SIGUSR2)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def start(app: str, *, env: dict[str, str], log_dir: Path, profile: bool = False, name: str = "server") -> Server:
    """Serve `app` (a path relative to the repository) on a free loopback port; wait until it is healthy."""
    port = free_port()
    log = log_dir / f"{name}-{port}.log"
    profile_path = log_dir / f"{name}-{port}.profile" if profile else None
    run_env = {**os.environ, **env}
    if profile_path is not None:
        run_env["PORTAL_BENCH_PROFILE"] = str(profile_path)
    else:
        run_env.pop("PORTAL_BENCH_PROFILE", None)
    handle = open(log, "w")  # noqa: SIM115 - lives as long as the process
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tools.load.serve",
            app,
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env=run_env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return Server(url, process, log, profile_path)
        except OSError:
            time.sleep(0.3)
        if process.poll() is not None:
            break
    process.kill()
    raise RuntimeError(f"{app} did not start; see {log}:\n{log.read_text()[-2000:]}")
