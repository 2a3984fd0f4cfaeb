"""Fake camera videos for Chromium (`--use-file-for-fake-video-capture=FILE.y4m`) made from a generated card.

A scene is a desk seen from above; the card (from tools/idcard) lies where the scanner draws its outline
(the geometry of pages/components/card_scanner/scanner.js: 86% of the width, at most 80% of the height).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from tools.idcard.generator import card_mask, desk_texture, random_identity, render_card

WIDTH, HEIGHT = 1280, 720
CARD_ASPECT = 85.6 / 54


@dataclass(frozen=True)
class FakeCard:
    name: str
    id_number: str
    card: Image.Image


def outline(width: int = WIDTH, height: int = HEIGHT) -> tuple[int, int, int, int]:
    """The scanner's card outline (x, y, w, h) in a frame of this size (same rule as scanner.js)."""
    ow = min(width * 0.86, height * 0.8 * CARD_ASPECT)
    oh = ow / CARD_ASPECT
    return round((width - ow) / 2), round((height - oh) / 2), round(ow), round(oh)


def new_card(seed: int) -> FakeCard:
    rng = random.Random(seed)
    identity = random_identity(rng)
    return FakeCard(identity.name, identity.id_number, render_card(identity, rng))


def desk(seed: int) -> np.ndarray:
    """A plain dark desk of frame size (BGR)."""
    rng = random.Random(seed)
    while True:  # the dark mottled kind: no card-like texture inside the outline
        surface = desk_texture(rng, size=(WIDTH, HEIGHT))
        if float(surface.std()) < 20:
            return surface


def card_on_desk(card: FakeCard, seed: int, *, fill: float = 0.94) -> np.ndarray:
    """The card lying inside the outline (`fill` of its width), on the desk (BGR)."""
    frame = desk(seed).astype(np.float32)
    x, y, w, h = outline()
    cw = round(w * fill)
    ch = round(cw / (856 / 540))
    cx, cy = x + (w - cw) // 2, y + (h - ch) // 2
    face = np.asarray(card.card.resize((cw, ch), Image.LANCZOS))[:, :, ::-1].astype(np.float32)
    alpha = np.asarray(card_mask().resize((cw, ch), Image.LANCZOS)).astype(np.float32)[..., None] / 255
    region = frame[cy : cy + ch, cx : cx + cw]
    frame[cy : cy + ch, cx : cx + cw] = region * (1 - alpha) + face * alpha
    noise = np.random.default_rng(seed).normal(0, 2.0, frame.shape)
    return np.clip(frame + noise, 0, 255).astype(np.uint8)


def darkened(frame: np.ndarray, factor: float = 0.14) -> np.ndarray:
    return np.clip(frame.astype(np.float32) * factor, 0, 255).astype(np.uint8)


def blurred(frame: np.ndarray, sigma: float = 7.0) -> np.ndarray:
    return cv2.GaussianBlur(frame, (0, 0), sigma)


def write_y4m(path: Path, frames: list[tuple[np.ndarray, int]], fps: int = 5) -> Path:
    """A Y4M (4:2:0) video: each (BGR frame, repeat count) in turn; Chromium loops it."""
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{fps}:1 Ip A1:1\n".encode())
        for frame, repeat in frames:
            data = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes()
            for _ in range(repeat):
                out.write(b"FRAME\n")
                out.write(data)
    return path
