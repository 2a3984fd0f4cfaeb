"""Identity benchmark: `python -m portal bench identity [--json] [--set DIR]`.

Measures the check on a generated set of fictional cards read from disk: genuine flat scans and photos (right
name and number), impostors (right card, another entered name or number), bad-quality photos (each retake
reason) and non-card images. Timings are over the 1600x1200 photos with the OCR engine loaded.

The set is a folder with `manifest.jsonl` as written by `python -m tools.idcard --bench --out DIR` (the
portal never imports tools/). Without `--set`, the benchmark runs that generator in a subprocess into a
temporary folder (fixed seed, so every run measures the same images). The pipeline never sees what the
generator knows; only the scoring here does.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from portal.bench import BenchDataError
from portal.identity.check.ocr import ocr_engine
from portal.identity.check.pipeline import check_id_card
from portal.identity.vocab import Decision

ROOT = Path(__file__).resolve().parents[2]
GENUINE = ("flat", "photo")


class SetMissing(BenchDataError):
    """The benchmark set could not be read or generated."""


def generate_set(out: Path) -> Path:
    """Run the development generator (`python -m tools.idcard --bench`) into `out`; return the folder."""
    if not (ROOT / "tools" / "idcard").is_dir():
        raise SetMissing("tools/idcard is not in this build; give --set DIR with a generated set")
    done = subprocess.run(
        [sys.executable, "-m", "tools.idcard", "--bench", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SetMissing(f"generating the set failed: {(done.stderr or done.stdout).strip()}")
    return out


def load_set(folder: Path) -> list[dict]:
    """The manifest's entries, each with its image bytes under "jpeg"."""
    manifest = folder / "manifest.jsonl"
    try:
        lines = manifest.read_text(encoding="utf-8").splitlines()
        entries = [json.loads(line) for line in lines if line.strip()]
        for entry in entries:
            entry["jpeg"] = (folder / entry["front"]).read_bytes()
    except (OSError, ValueError, KeyError) as exc:
        raise SetMissing(f"cannot read the set in {folder}: {exc}") from None
    if not entries:
        raise SetMissing(f"the set in {folder} is empty")
    return entries


def run(*, database_url: str | None = None, set_dir: Path | None = None) -> dict:
    """Figures of CONTRACTS.md; the identity check uses no database (`database_url` is reported only)."""
    if set_dir is not None:
        return score(load_set(Path(set_dir)), database_url=database_url)
    with tempfile.TemporaryDirectory(prefix="identity-bench-") as tmp:
        return score(load_set(generate_set(Path(tmp))), database_url=database_url)


def score(cases: list[dict], *, database_url: str | None = None) -> dict:
    """Run the check on every case of a loaded set and compute the figures."""
    engine = ocr_engine()
    photo_ms: list[float] = []
    genuine_photo_ms: list[float] = []
    genuine = genuine_ok = 0
    impostor = false_accept = 0
    bad = bad_ok = 0
    noncard = noncard_ok = 0
    check_id_card(cases[0]["jpeg"], name="张三", id_number="420106199001011231", engine=engine)  # warm-up
    for case in cases:
        variant = case.get("variant") or case["id"].rsplit("-", 1)[0]  # older manifests: the id names it
        result = check_id_card(case["jpeg"], name=case["name"], id_number=case["id_number"], engine=engine)
        if variant != "flat":
            photo_ms.append(result.seconds * 1000)
        if variant == "photo":
            genuine_photo_ms.append(result.seconds * 1000)
        if variant in GENUINE:
            genuine += 1
            genuine_ok += result.decision == Decision.VERIFIED
            for other in case.get("impostors", []):
                impostor += 1
                attempt = check_id_card(case["jpeg"], name=other["name"], id_number=other["id_number"], engine=engine)
                false_accept += attempt.decision == Decision.VERIFIED
        elif case["expect"]["decision"] == Decision.RETAKE:
            bad += 1
            bad_ok += result.decision == Decision.RETAKE and set(case["expect"]["reasons"]) <= set(result.reasons)
        else:
            noncard += 1
            noncard_ok += result.decision == Decision.UNREADABLE
            false_accept += result.decision == Decision.VERIFIED
    photo_ms.sort()
    return {
        "images": len(cases),
        "median_ms": _median(photo_ms),
        "p95_ms": round(photo_ms[min(len(photo_ms) - 1, int(0.95 * len(photo_ms)))], 1) if photo_ms else None,
        "genuine_accept": _share(genuine_ok, genuine),
        "false_accept": _share(false_accept, impostor + noncard),
        "retake_rate": _share(bad_ok, bad),
        "unreadable_rate": _share(noncard_ok, noncard),
        "genuine_photo_median_ms": _median(genuine_photo_ms),
        "checks": len(cases) + impostor,
        "database": database_url or "none (the identity check uses no database)",
    }


def _share(count: int, total: int) -> float | None:
    """A rate over `total` cases; None when the set has no such case."""
    return round(count / total, 4) if total else None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None
