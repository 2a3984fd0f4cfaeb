"""The identity benchmark's set over every card source, bad photos and presentation attacks (fixed seed).

Written by `python -m tools.idcard --bench --out DIR`; read by `python -m portal bench identity`.
Each manifest entry carries `source` (generator, template, cairo, or "none" for non-card images), `variant`
(photo, a retake reason, photocopy/printout/screen, or a non-card kind), `expect`, and for genuine photos two
`impostors` (the same card entered with another name or another number) and its `frame`.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from tools.idcard.generator import encode_jpeg, make_image, other_identity, random_identity
from tools.idcard.scenes import ATTACKS, BAD, attack_photo, bad_photo, genuine_photo
from tools.idcard.sources import SOURCES, render_cards

SEED = 20240601
GENUINE = 24  # per source; half of them on 1600x1200 frames, the rest on 720p/1080p frames
BAD_EACH = 2  # per source and retake reason
ATTACK_EACH = 8  # per source and attack kind
NONCARDS = ["landscape", "text_page", "blank_wall"] * 6


def write_sources_set(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    entries = []

    def add(source, variant, identity, image, expect, **extra):
        case_id = f"{source}-{variant}-{len(entries):03d}"
        (out / f"{case_id}.jpg").write_bytes(encode_jpeg(image))
        entry = {
            "id": case_id,
            "front": f"{case_id}.jpg",
            "source": source,
            "variant": variant,
            "name": identity.name if identity else "张伟",
            "id_number": identity.id_number if identity else "420106199001011231",
            "document_type": "resident_id",
            "frame": f"{image.shape[1]}x{image.shape[0]}",
            "expect": expect,
        }
        entry.update(extra)
        entries.append(entry)

    for source in SOURCES:
        identities = [random_identity(rng) for _ in range(GENUINE + len(BAD) * BAD_EACH + len(ATTACKS) * ATTACK_EACH)]
        pairs = list(zip(identities, render_cards(source, identities, rng), strict=True))
        for index, (identity, card) in enumerate(pairs[:GENUINE]):
            other = other_identity(rng, identity)
            impostors = [
                {"name": other.name, "id_number": identity.id_number},
                {"name": identity.name, "id_number": other.id_number},
            ]
            frame = (1600, 1200) if index % 2 == 0 else None
            add(
                source,
                "photo",
                identity,
                genuine_photo(card, rng, frame),
                {"decision": "verified", "reasons": []},
                impostors=impostors,
            )
        offset = GENUINE
        for kind in BAD:
            for identity, card in pairs[offset : offset + BAD_EACH]:
                add(source, kind, identity, bad_photo(kind, card, rng), {"decision": "retake", "reasons": [kind]})
            offset += BAD_EACH
        for kind in ATTACKS:
            for identity, card in pairs[offset : offset + ATTACK_EACH]:
                image = attack_photo(kind, card, rng, (1600, 1200))
                add(source, kind, identity, image, {"decision": "retake", "reasons": [kind]})
            offset += ATTACK_EACH
    for variant in NONCARDS:
        add("none", variant, None, make_image(variant, None, rng), {"decision": "unreadable", "reasons": []})
    manifest = out / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), encoding="utf-8")
    return out
