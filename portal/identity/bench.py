"""Identity benchmark: `python -m portal bench identity [--json]`.

Card images come from three independent sources (tools.idcard.sources: this project's generator, the
`idcardgenerator` package's template and fonts, a cairo/Pango rendering), all regenerated here from a fixed
seed with fictional identities. For every source it measures: genuine photos (right name and number) on
desks (light and dark, 720p, 1080p and 1600x1200 frames, card 40-90% of the width), impostors (the genuine
card, another entered name or number), bad photos (one retake reason each), and presentation attacks made
from the genuine card (photocopy, colour printout, screen; tools.idcard.scenes). Non-card images are shared.

Speed: the median time of the check per 1600x1200 photo, and of plain full-image RapidOCR (a default
`RapidOCR()` call on the whole photo) on the same photos in the same run, and their ratio.
The pipeline never sees what the generator knows; only the scoring here does.
"""

from __future__ import annotations

import random
import statistics
import time

from portal.identity.check import check_id_card
from portal.identity.ocr import get_engine

SEED = 20240601
GENUINE = 24  # per source
BAD_EACH = 2  # per source and retake reason
ATTACK_EACH = 8  # per source and attack kind
NONCARDS = ["landscape", "text_page", "blank_wall"] * 6
PLAIN_OCR_SAMPLE = 4  # 1600x1200 photos per source also read by plain full-image RapidOCR


def _rate(ok: int, total: int) -> float:
    return round(ok / total, 4) if total else 0.0


def run(*, database_url: str | None = None) -> dict:
    """Figures of CONTRACTS.md plus `sources` and `attacks` breakdowns (the identity check uses no database)."""
    import cv2
    import numpy as np
    from rapidocr_onnxruntime import RapidOCR

    from tools.idcard.generator import encode_jpeg, make_image, other_identity, random_identity
    from tools.idcard.scenes import ATTACKS, BAD, attack_photo, bad_photo, genuine_photo
    from tools.idcard.sources import SOURCES, render_cards

    engine = get_engine()
    plain = RapidOCR()
    rng = random.Random(SEED)
    check_ms: list[float] = []  # 1600x1200 photos
    plain_ms: list[float] = []
    paired_check_ms: list[float] = []
    sources: dict = {}
    attacks: dict = {kind: {"images": 0, "verified": 0, "named": 0} for kind in ATTACKS}
    totals = {"genuine": 0, "genuine_ok": 0, "impostor": 0, "false": 0, "bad": 0, "bad_ok": 0}
    images = 0

    def check(jpeg: bytes, name: str, number: str):
        return check_id_card(jpeg, name=name, id_number=number, engine=engine)

    warm = random_identity(rng)
    check(encode_jpeg(make_image("photo", warm, rng)), warm.name, warm.id_number)
    plain(cv2.imdecode(np.frombuffer(encode_jpeg(make_image("photo", warm, rng)), "uint8"), 1))

    for source in SOURCES:
        started = time.perf_counter()
        figures = {"genuine": 0, "genuine_ok": 0, "impostor": 0, "false_accept": 0, "bad": 0, "bad_ok": 0}
        per_attack = {kind: {"images": 0, "verified": 0, "named": 0} for kind in ATTACKS}
        identities = [random_identity(rng) for _ in range(GENUINE + len(BAD) * BAD_EACH + len(ATTACKS) * ATTACK_EACH)]
        cards = render_cards(source, identities, rng)
        pairs = list(zip(identities, cards, strict=True))
        plain_left = PLAIN_OCR_SAMPLE
        for index, (identity, card) in enumerate(pairs[:GENUINE]):
            frame = (1600, 1200) if index % 2 == 0 else None
            photo = genuine_photo(card, rng, frame)
            jpeg = encode_jpeg(photo)
            result = check(jpeg, identity.name, identity.id_number)
            images += 1
            figures["genuine"] += 1
            figures["genuine_ok"] += result.decision == "verified"
            if photo.shape[:2] == (1200, 1600):
                check_ms.append(result.seconds * 1000)
                if plain_left:
                    plain_left -= 1
                    decoded = cv2.imdecode(np.frombuffer(jpeg, "uint8"), 1)
                    t = time.perf_counter()
                    plain(decoded)
                    plain_ms.append((time.perf_counter() - t) * 1000)
                    paired_check_ms.append(result.seconds * 1000)
            other = other_identity(rng, identity)
            entered = (other.name, identity.id_number) if index % 2 else (identity.name, other.id_number)
            figures["impostor"] += 1
            figures["false_accept"] += check(jpeg, *entered).decision == "verified"
        offset = GENUINE
        for kind in BAD:
            for identity, card in pairs[offset : offset + BAD_EACH]:
                result = check(encode_jpeg(bad_photo(kind, card, rng)), identity.name, identity.id_number)
                images += 1
                figures["bad"] += 1
                figures["bad_ok"] += result.decision == "retake" and kind in result.reasons
                figures["false_accept"] += result.decision == "verified"
            offset += BAD_EACH
        for kind in ATTACKS:
            for identity, card in pairs[offset : offset + ATTACK_EACH]:
                photo = attack_photo(kind, card, rng, (1600, 1200))
                result = check(encode_jpeg(photo), identity.name, identity.id_number)
                images += 1
                check_ms.append(result.seconds * 1000)
                per_attack[kind]["images"] += 1
                per_attack[kind]["verified"] += result.decision == "verified"
                per_attack[kind]["named"] += result.decision == "retake" and kind in result.reasons
            offset += ATTACK_EACH
        for kind, counts in per_attack.items():
            for key in counts:
                attacks[kind][key] += counts[key]
        sources[source] = {
            "genuine": figures["genuine"],
            "genuine_accept": _rate(figures["genuine_ok"], figures["genuine"]),
            "impostors": figures["impostor"],
            "impostors_verified": figures["false_accept"],
            "retake_rate": _rate(figures["bad_ok"], figures["bad"]),
            "attacks": {
                kind: {
                    "images": c["images"],
                    "verified": c["verified"],
                    "named_rate": _rate(c["named"], c["images"]),
                }
                for kind, c in per_attack.items()
            },
            "attacks_verified": sum(c["verified"] for c in per_attack.values()),
            "seconds": round(time.perf_counter() - started, 1),
        }
        for key, value in (
            ("genuine", figures["genuine"]),
            ("genuine_ok", figures["genuine_ok"]),
            ("impostor", figures["impostor"]),
            ("false", figures["false_accept"]),
            ("bad", figures["bad"]),
            ("bad_ok", figures["bad_ok"]),
        ):
            totals[key] += value

    noncard = noncard_ok = 0
    for variant in NONCARDS:
        result = check(encode_jpeg(make_image(variant, None, rng)), "张伟", "420106199001011231")
        images += 1
        noncard += 1
        noncard_ok += result.decision == "unreadable"
        totals["false"] += result.decision == "verified"

    check_ms.sort()
    median_check = statistics.median(check_ms)
    median_plain = statistics.median(plain_ms) if plain_ms else 0.0
    median_paired = statistics.median(paired_check_ms) if paired_check_ms else 0.0
    return {
        "images": images,
        "median_ms": round(median_check, 1),
        "p95_ms": round(check_ms[min(len(check_ms) - 1, int(0.95 * len(check_ms)))], 1),
        "genuine_accept": _rate(totals["genuine_ok"], totals["genuine"]),
        "false_accept": _rate(totals["false"], totals["impostor"] + noncard),
        "retake_rate": _rate(totals["bad_ok"], totals["bad"]),
        "unreadable_rate": _rate(noncard_ok, noncard),
        "sources": sources,
        "attacks": {
            kind: {"images": c["images"], "verified": c["verified"], "named_rate": _rate(c["named"], c["images"])}
            for kind, c in attacks.items()
        },
        "speed": {
            "photo_size": "1600x1200",
            "check_median_ms": round(median_paired, 1),
            "plain_rapidocr_median_ms": round(median_plain, 1),
            "ratio": round(median_paired / median_plain, 3) if median_plain else None,
            "photos": len(plain_ms),
        },
        "checks": images + totals["impostor"],
        "database": database_url or "none (the identity check uses no database)",
    }
