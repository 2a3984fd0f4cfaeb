"""Identity benchmark: `python -m portal bench identity [--json]`.

Generates fictional cards with a fixed seed (tools.idcard), then measures the check on: genuine flat scans and
photos (right name and number), impostors (right card, another entered name or number), bad-quality photos
(each retake reason) and non-card images. Timings are over the 1600x1200 photos with the OCR engine loaded.
The pipeline never sees what the generator knows; only the scoring here does.
"""

from __future__ import annotations

import random
import statistics

from portal.identity.check import check_id_card
from portal.identity.ocr import get_engine

SEED = 20240601
PLAN = (
    ["flat"] * 20
    + ["photo"] * 30
    + ["blurry", "glare", "too_dark", "not_in_frame", "too_small"] * 8
    + ["landscape", "text_page", "blank_wall"] * 6
)


def run(*, database_url: str | None = None) -> dict:
    """Figures of CONTRACTS.md; the identity check uses no database (`database_url` is reported only)."""
    from tools.idcard import VARIANTS, generate, other_identity

    engine = get_engine()
    cases = generate(PLAN, seed=SEED)
    rng = random.Random(SEED + 1)
    photo_ms: list[float] = []
    genuine_photo_ms: list[float] = []
    genuine = genuine_ok = 0
    impostor = false_accept = 0
    bad = bad_ok = 0
    noncard = noncard_ok = 0
    check_id_card(cases[0].jpeg, name="张三", id_number="420106199001011231", engine=engine)  # warm-up
    for case in cases:
        identity = case.identity
        entered = (identity.name, identity.id_number) if identity else ("张伟", "420106199001011231")
        result = check_id_card(case.jpeg, name=entered[0], id_number=entered[1], engine=engine)
        if case.variant != "flat":
            photo_ms.append(result.seconds * 1000)
        if case.variant == "photo":
            genuine_photo_ms.append(result.seconds * 1000)
        expected_decision, expected_reasons = VARIANTS[case.variant]
        if case.variant in ("flat", "photo"):
            genuine += 1
            genuine_ok += result.decision == "verified"
            other = other_identity(rng, identity)
            for entered_other in ((other.name, identity.id_number), (identity.name, other.id_number)):
                impostor += 1
                attempt = check_id_card(case.jpeg, name=entered_other[0], id_number=entered_other[1], engine=engine)
                false_accept += attempt.decision == "verified"
        elif expected_decision == "retake":
            bad += 1
            bad_ok += result.decision == "retake" and set(expected_reasons) <= set(result.reasons)
        else:
            noncard += 1
            noncard_ok += result.decision == "unreadable"
            false_accept += result.decision == "verified"
    photo_ms.sort()
    return {
        "images": len(cases),
        "median_ms": round(statistics.median(photo_ms), 1),
        "p95_ms": round(photo_ms[min(len(photo_ms) - 1, int(0.95 * len(photo_ms)))], 1),
        "genuine_accept": round(genuine_ok / genuine, 4),
        "false_accept": round(false_accept / (impostor + noncard), 4),
        "retake_rate": round(bad_ok / bad, 4),
        "unreadable_rate": round(noncard_ok / noncard, 4),
        "genuine_photo_median_ms": round(statistics.median(genuine_photo_ms), 1),
        "checks": len(cases) + impostor,
        "database": database_url or "none (the identity check uses no database)",
    }
