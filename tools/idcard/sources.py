"""Card fronts from three independent sources, for tests and `bench identity`.

- `generator`: this project's own renderer (tools/idcard/generator.py: PIL, Noto Sans CJK, DejaVu digits).
- `template`: the PyPI package `idcardgenerator` (0.0.2, GPL-3.0, by a third party; installed with --no-deps
  from requirements-testdata.txt). Its scanned-looking blank card template (guilloche, rosettes, pale blue
  labels) and its own fonts (hei.ttf, fzhei.ttf and OCR-B 10 BT for the number) are used as the package lays
  them out; nothing of it is committed here.
- `cairo`: a vector rendering by cairo + Pango under Debian's own Python (tools/idcard/cairo_card.py) with
  WenQuanYi Micro Hei, AR PL UKai and wide-spaced DejaVu Sans Mono digits.

Every identity is fictional (tools.idcard.generator.random_identity: valid check digits, random names).
Each source returns the card alone, RGB, about 1700-1900 px wide, with its own rounded-corner mask.
"""

from __future__ import annotations

import importlib.util
import json
import random
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tools.idcard.generator import Identity, card_mask, render_card

SOURCES = ("generator", "template", "cairo")
DEBIAN_PYTHON = "/usr/bin/python3"
CAIRO_SCRIPT = Path(__file__).with_name("cairo_card.py")


class SourceMissing(RuntimeError):
    pass


def rounded_mask(size: tuple[int, int], radius_fraction: float = 0.035) -> Image.Image:
    w, h = size
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, w - 1, h - 1), radius=int(radius_fraction * w), fill=255)
    return mask


# --------------------------------------------------------------------------- idcardgenerator (PyPI)


@lru_cache(maxsize=1)
def _template_dir() -> Path:
    spec = importlib.util.find_spec("idcardgenerator")  # located, never imported (its module starts a Tk GUI)
    if spec is None or not spec.submodule_search_locations:
        raise SourceMissing(
            "the test-data package idcardgenerator is missing: pip install --no-deps -r requirements-testdata.txt"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "usedres"


@lru_cache(maxsize=1)
def _template_front() -> Image.Image:
    sheet = Image.open(_template_dir() / "empty.png").convert("RGB")
    return sheet.crop((286, 490, 2173, 1680))  # the front half of the package's A4 template, card only


@lru_cache(maxsize=16)
def _template_font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(_template_dir() / name), size)


def render_template(identity: Identity, rng: random.Random) -> Image.Image:
    """The package's template filled as its own generator does (same fonts, same positions)."""
    im = _template_front().copy()
    draw = ImageDraw.Draw(im)
    ox, oy = 286, 490  # the package's coordinates are on the A4 sheet
    name_font = _template_font("hei.ttf", 72)
    other_font = _template_font("hei.ttf", 60)
    bdate_font = _template_font("fzhei.ttf", 60)
    id_font = _template_font("ocrb10bt.ttf", 72)
    ink = (rng.randint(0, 25),) * 3

    def put(x, y, value, f):
        draw.text((x - ox, y - oy), value, fill=ink, font=f)

    born = identity.birth_date
    put(630, 690, identity.name, name_font)
    put(630, 840, identity.sex, other_font)
    put(1030, 840, identity.ethnicity, other_font)
    put(630, 980, str(born.year), bdate_font)
    put(950, 980, str(born.month), bdate_font)
    put(1150, 980, str(born.day), bdate_font)
    address, start, loc = identity.address, 0, 1120
    while start + 11 < len(address) and loc < 1320:
        put(630, loc, address[start : start + 11], other_font)
        start += 11
        loc += 100
    put(630, loc, address[start : start + 11], other_font)
    put(950, 1475, identity.id_number, id_font)
    # the package pastes a 500 x 670 photo at (1500, 690); a drawn silhouette inside that box stands in for it
    x0, y0 = 1500 - ox, 690 - oy
    photo = im.crop((x0, y0, x0 + 500, y0 + 670))
    pd = ImageDraw.Draw(photo)
    shade = rng.randint(110, 170)
    pd.ellipse((130, 90, 370, 400), fill=(shade + 15, shade + 5, shade))
    pd.ellipse((20, 420, 480, 900), fill=(shade + 15, shade + 5, shade))
    pd.chord((120, 60, 380, 300), 180, 360, fill=(30, 30, 30))
    im.paste(photo, (x0, y0))
    return im


# --------------------------------------------------------------------------- cairo + Pango (Debian)


def cairo_available() -> bool:
    if not Path(DEBIAN_PYTHON).exists():
        return False
    probe = "import cairo, gi; gi.require_version('PangoCairo', '1.0'); from gi.repository import PangoCairo"
    return subprocess.run([DEBIAN_PYTHON, "-c", probe], capture_output=True).returncode == 0


def render_cairo_batch(identities: list[Identity], seeds: list[int]) -> list[Image.Image]:
    if not cairo_available():
        raise SourceMissing("cairo/Pango for Debian's python3 are missing: run `make system-deps`")
    folder = Path(tempfile.mkdtemp(prefix="cairo-cards-"))
    try:
        items = []
        for index, (identity, seed) in enumerate(zip(identities, seeds, strict=True)):
            born = identity.birth_date
            items.append(
                {
                    "name": identity.name,
                    "sex": identity.sex,
                    "ethnicity": identity.ethnicity,
                    "year": born.year,
                    "month": born.month,
                    "day": born.day,
                    "address": identity.address,
                    "id_number": identity.id_number,
                    "seed": seed,
                    "out": str(folder / f"{index}.png"),
                }
            )
        subprocess.run(
            [DEBIAN_PYTHON, str(CAIRO_SCRIPT)], input=json.dumps(items).encode(), check=True, capture_output=True
        )
        return [Image.open(item["out"]).convert("RGB") for item in items]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------- all sources


def render_cards(source: str, identities: list[Identity], rng: random.Random) -> list[Image.Image]:
    """Card fronts (RGB, card only) of `identities` drawn by `source`."""
    if source == "generator":
        return [render_card(identity, rng) for identity in identities]
    if source == "template":
        return [render_template(identity, rng) for identity in identities]
    if source == "cairo":
        return render_cairo_batch(identities, [rng.randrange(1 << 30) for _ in identities])
    raise ValueError(f"unknown source {source}")


def mask_for(card: Image.Image) -> Image.Image:
    if card.size == (card_mask().width, card_mask().height):
        return card_mask()
    return rounded_mask(card.size)


def as_array(card: Image.Image) -> np.ndarray:
    return np.asarray(card.convert("RGB"))[:, :, ::-1].copy()
