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
import time
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


ATTACKS = ("photocopy", "printout", "screen")
PLAIN_OCR_SAMPLE = 4  # genuine 1600x1200 photos per source also read by plain full-image RapidOCR


def score(cases: list[dict], *, database_url: str | None = None) -> dict:
    """Run the check on every case of a loaded set and compute the figures, overall, per source and per attack.

    Speed: the check's median per 1600x1200 photo, and plain full-image RapidOCR (a default `RapidOCR()` call on
    the whole decoded photo, what a naive integration does) on a sample of the same photos in the same run.
    """
    import cv2
    import numpy as np
    from rapidocr_onnxruntime import RapidOCR

    engine = ocr_engine()
    plain = RapidOCR()
    photo_ms: list[float] = []
    paired_check_ms: list[float] = []
    plain_ms: list[float] = []
    totals = dict.fromkeys(("genuine", "genuine_ok", "impostor", "false", "bad", "bad_ok", "noncard", "noncard_ok"), 0)
    sources: dict = {}
    attacks = {kind: {"images": 0, "verified": 0, "named": 0} for kind in ATTACKS}
    plain_left: dict = {}
    check_id_card(cases[0]["jpeg"], name="张三", id_number="420106199001011231", engine=engine)  # warm-up
    plain(cv2.imdecode(np.frombuffer(cases[0]["jpeg"], np.uint8), cv2.IMREAD_COLOR))
    for case in cases:
        variant = case.get("variant") or case["id"].rsplit("-", 1)[0]  # older manifests: the id names it
        source = case.get("source", "generator")
        per = sources.setdefault(
            source,
            {"genuine": 0, "genuine_ok": 0, "impostors": 0, "impostors_verified": 0, "bad": 0, "bad_ok": 0}
            | {"attacks": {kind: {"images": 0, "verified": 0, "named": 0} for kind in ATTACKS}},
        )
        result = check_id_card(case["jpeg"], name=case["name"], id_number=case["id_number"], engine=engine)
        big = case.get("frame", "1600x1200") == "1600x1200"
        if variant != "flat" and big:
            photo_ms.append(result.seconds * 1000)
        if variant in GENUINE:
            totals["genuine"] += 1
            per["genuine"] += 1
            ok = result.decision == Decision.VERIFIED
            totals["genuine_ok"] += ok
            per["genuine_ok"] += ok
            if variant == "photo" and big and plain_left.setdefault(source, PLAIN_OCR_SAMPLE) > 0:
                plain_left[source] -= 1
                decoded = cv2.imdecode(np.frombuffer(case["jpeg"], np.uint8), cv2.IMREAD_COLOR)
                started = time.perf_counter()
                plain(decoded)
                plain_ms.append((time.perf_counter() - started) * 1000)
                paired_check_ms.append(result.seconds * 1000)
            for other in case.get("impostors", []):
                attempt = check_id_card(case["jpeg"], name=other["name"], id_number=other["id_number"], engine=engine)
                accepted = attempt.decision == Decision.VERIFIED
                totals["impostor"] += 1
                totals["false"] += accepted
                per["impostors"] += 1
                per["impostors_verified"] += accepted
        elif variant in ATTACKS:
            named = result.decision == Decision.RETAKE and variant in result.reasons
            for counts in (attacks[variant], per["attacks"][variant]):
                counts["images"] += 1
                counts["verified"] += result.decision == Decision.VERIFIED
                counts["named"] += named
        elif case["expect"]["decision"] == Decision.RETAKE:
            ok = result.decision == Decision.RETAKE and set(case["expect"]["reasons"]) <= set(result.reasons)
            totals["bad"] += 1
            totals["bad_ok"] += ok
            per["bad"] += 1
            per["bad_ok"] += ok
            totals["false"] += result.decision == Decision.VERIFIED
        else:
            totals["noncard"] += 1
            totals["noncard_ok"] += result.decision == Decision.UNREADABLE
            totals["false"] += result.decision == Decision.VERIFIED
    photo_ms.sort()
    check_median, plain_median = _median(paired_check_ms), _median(plain_ms)
    return {
        "images": len(cases),
        "median_ms": _median(photo_ms),
        "p95_ms": round(photo_ms[min(len(photo_ms) - 1, int(0.95 * len(photo_ms)))], 1) if photo_ms else None,
        "genuine_accept": _share(totals["genuine_ok"], totals["genuine"]),
        "false_accept": _share(totals["false"], totals["impostor"] + totals["noncard"]),
        "retake_rate": _share(totals["bad_ok"], totals["bad"]),
        "unreadable_rate": _share(totals["noncard_ok"], totals["noncard"]),
        "sources": {
            name: {
                "genuine": per["genuine"],
                "genuine_accept": _share(per["genuine_ok"], per["genuine"]),
                "impostors": per["impostors"],
                "impostors_verified": per["impostors_verified"],
                "bad_photos": per["bad"],
                "retake_rate": _share(per["bad_ok"], per["bad"]),
                "attacks": {kind: _attack(c) for kind, c in per["attacks"].items() if c["images"]},
            }
            for name, per in sources.items()
            if per["genuine"] or per["bad"]
        },
        "attacks": {kind: _attack(c) for kind, c in attacks.items()},
        "speed": {
            "photo_size": "1600x1200",
            "photos": len(plain_ms),
            "check_median_ms": check_median,
            "plain_rapidocr_median_ms": plain_median,
            "ratio": round(check_median / plain_median, 3) if check_median and plain_median else None,
        },
        "checks": len(cases) + totals["impostor"],
        "database": database_url or "none (the identity check uses no database)",
    }


def _attack(counts: dict) -> dict:
    return {
        "images": counts["images"],
        "verified": counts["verified"],
        "named_rate": _share(counts["named"], counts["images"]),
    }


def _share(count: int, total: int) -> float | None:
    """A rate over `total` cases; None when the set has no such case."""
    return round(count / total, 4) if total else None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None
