"""Generated sets that the portal reads from disk: the identity benchmark's set and the demo's card photos.

The portal never imports tools/ (it is a development tool); `python -m portal bench identity` and the demo
seeding run `python -m tools.idcard` as a subprocess and read what it wrote.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

from PIL import ImageDraw

from tools.idcard.generator import (
    REGIONS,
    SCALE,
    card_background,
    encode_jpeg,
    flat_scan,
    font,
    generate,
    other_identity,
    random_identity,
    render_card,
    write_cases,
)

BENCH_SEED = 20240601
BENCH_PLAN = (
    ["flat"] * 20
    + ["photo"] * 30
    + ["blurry", "glare", "too_dark", "not_in_frame", "too_small"] * 8
    + ["landscape", "text_page", "blank_wall"] * 6
)
GENUINE = ("flat", "photo")


def write_bench_set(out: Path) -> Path:
    """The identity benchmark's images and manifest (fixed seed): each genuine card also lists two impostors.

    An impostor is the same card entered with another person's name, or with another person's number.
    """
    cases = generate(BENCH_PLAN, seed=BENCH_SEED)
    rng = random.Random(BENCH_SEED + 1)
    extra = {}
    for case in cases:
        if case.variant in GENUINE:
            own = case.identity
            other = other_identity(rng, own)
            extra[case.id] = {
                "impostors": [
                    {"name": other.name, "id_number": own.id_number},
                    {"name": own.name, "id_number": other.id_number},
                ]
            }
    return write_cases(cases, out, extra)


def write_demo_cards(people: list[dict], out: Path, *, seed: int) -> list[Path]:
    """Front and back photos of each person's card (`{id}-front.jpg`, `{id}-back.jpg`), for the demo's reviews.

    A person is {"id", "name", "id_number", "sex", "birth_date" (ISO)}; the address is made up for the region.
    """
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for person in people:
        identity = random_identity(rng)
        born = dt.date.fromisoformat(person["birth_date"])
        identity.name, identity.id_number, identity.sex, identity.birth_date = (
            person["name"],
            person["id_number"],
            person["sex"],
            born,
        )
        region = REGIONS.get(person["id_number"][:6])
        for prefix in REGIONS.values():
            if region and identity.address.startswith(prefix):
                identity.address = region + identity.address[len(prefix) :]
                break
        front = encode_jpeg(flat_scan(render_card(identity, rng), rng))
        back = card_background(rng)
        draw = ImageDraw.Draw(back)
        s = SCALE
        draw.ellipse((60 * s, 50 * s, 200 * s, 190 * s), outline=(190, 40, 40), width=6 * s)
        draw.text((250 * s, 70 * s), "中华人民共和国", font=font("sans_bold", 56 * s), fill=(20, 20, 20))
        draw.text((250 * s, 150 * s), "居民身份证", font=font("sans_bold", 72 * s), fill=(20, 20, 20))
        label = font("sans", 26 * s)
        draw.text((150 * s, 400 * s), "签发机关   示范市公安局示范分局", font=label, fill=(20, 20, 20))
        start = born.year + 18 + rng.randrange(0, 10)
        draw.text((150 * s, 460 * s), f"有效期限   {start}.05.01-{start + 20}.05.01", font=label, fill=(20, 20, 20))
        for side, data in (("front", front), ("back", encode_jpeg(flat_scan(back, rng)))):
            path = out / f"{person['id']}-{side}.jpg"
            path.write_bytes(data)
            written.append(path)
    return written


def read_people(path: Path) -> list[dict]:
    """People for `write_demo_cards` from a JSON Lines file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]
