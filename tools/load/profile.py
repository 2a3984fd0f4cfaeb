"""Where server time goes per page: the profile written by `tools.load.serve`, summarised."""

from __future__ import annotations

import pickle
from pathlib import Path

from tools.load.server import ROOT

TOP = 8


def _name(key: tuple[str, int, str]) -> str:
    filename, line, function = key
    path = Path(filename)
    try:
        shown = str(path.relative_to(ROOT))
    except ValueError:
        parts = path.parts
        shown = "/".join(parts[parts.index("site-packages") + 1 :]) if "site-packages" in parts else filename
    return f"{shown}:{line}({function})" if line else function


def _is_project(filename: str) -> bool:
    return filename.startswith(str(ROOT)) and "/.venv/" not in filename and "/site-packages/" not in filename


def summarise(path: Path) -> dict:
    """{page: {"runs", "cpu_ms_per_run", "wall_ms_per_run", "project": [...], "own_time": [...]}} by CPU."""
    with open(path, "rb") as handle:
        data = pickle.load(handle)  # noqa: S301 - written by our own server process a moment ago
    pages = {}
    for page, entry in data.items():
        runs = max(1, entry["runs"])
        stats = entry["stats"]  # {(file, line, function): (primitive calls, calls, own, cumulative, callers)}

        def row(key, values, runs=runs):
            _, calls, own, cumulative, _ = values
            return {
                "call": _name(key),
                "cumulative_ms": round(cumulative * 1000 / runs, 2),
                "own_ms": round(own * 1000 / runs, 2),
                "calls": round(calls / runs, 1),
            }

        project = sorted(
            ((k, v) for k, v in stats.items() if _is_project(k[0]) and not k[0].endswith("streamlit_app.py")),
            key=lambda item: item[1][3],
            reverse=True,
        )
        own = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)
        pages[page] = {
            "runs": entry["runs"],
            "cpu_ms_per_run": round(entry["cpu_s"] * 1000 / runs, 1),
            "wall_ms_per_run": round(entry["wall_s"] * 1000 / runs, 1),
            "project": [row(k, v) for k, v in project[:TOP]],
            "own_time": [row(k, v) for k, v in own[:TOP]],
        }
    return dict(sorted(pages.items(), key=lambda item: item[1]["cpu_ms_per_run"], reverse=True))


def render(summary: dict) -> str:
    """The profile as a readable table: per page, CPU per run, then the slowest calls."""
    lines = ["", "server time per page (profiled; times per run, cProfile adds overhead)"]
    for page, entry in summary.items():
        cpu, wall = entry["cpu_ms_per_run"], entry["wall_ms_per_run"]
        lines.append(f"\n{page}: {entry['runs']} runs, CPU {cpu} ms/run, wall {wall} ms/run")
        lines.append("  slowest project calls (cumulative ms, own ms, calls):")
        for row in entry["project"]:
            lines.append(f"    {row['cumulative_ms']:>9.1f} {row['own_ms']:>8.1f} {row['calls']:>7}  {row['call']}")
        lines.append("  most own time anywhere:")
        for row in entry["own_time"]:
            lines.append(f"    {row['cumulative_ms']:>9.1f} {row['own_ms']:>8.1f} {row['calls']:>7}  {row['call']}")
    return "\n".join(lines)
