"""Camera scenes for cards of any source, and presentation attacks simulated from their physical processes.

A scene puts a card (or a copy, a printout, a phone showing it) on a desk and photographs it: perspective,
lighting gradient, hologram sheen, optics blur, sensor noise, JPEG. Frames are 1600x1200, 1280x720 and
1920x1080 (landscape and portrait); the card covers 40-90% of the frame width.

Attacks are made from the genuine card image, each by simulating what happens physically:
- `photocopy`: a monochrome copier: luminance only, copier tone curve (light tints drop to paper white, dark
  ink saturates), toner grain and stray toner specks, a slight transfer blur, onto office paper with the
  page (or a cut-out) photographed on the desk.
- `printout`: a colour printer: gamut compressed towards the paper (blacks lifted, saturation lost), CMYK
  clustered-dot halftone screens at 15/75/0/45 degrees (85-110 lpi), dot gain, paper fibre texture.
- `screen`: a phone or monitor showing the photo of the card: resampled to the display's pixel grid, each
  pixel drawn as R, G, B sub-pixel stripes with a black matrix, backlight (raised black level, bluish white,
  over-bright), the black screen border and the device bezel, photographed so that the grid aliases (moire)
  and sometimes with a reflection of the room on the glass.
"""

from __future__ import annotations

import math
import random

import cv2
import numpy as np
from PIL import Image

from tools.idcard.generator import desk_texture
from tools.idcard.sources import as_array, mask_for

FRAMES = ((1600, 1200), (1600, 1200), (1600, 1200), (1280, 720), (1920, 1080), (720, 1280), (1080, 1920))
ATTACKS = ("photocopy", "printout", "screen")


def _np_rng(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.randrange(1 << 30))


def light_desk(rng: random.Random, size: tuple[int, int]) -> np.ndarray:
    """A light, low-contrast surface: white laminate, pale wood, a sheet of paper, light grey cloth."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    noise = cv2.GaussianBlur(_np_rng(rng).normal(0, 1, (h, w)).astype(np.float32), (0, 0), 2)
    base = np.array([rng.randint(200, 236), rng.randint(205, 238), rng.randint(205, 240)], np.float32)
    kind = rng.choice(["plain", "grain", "weave"])
    if kind == "grain":
        grain = np.sin(yy / rng.uniform(5, 12) + noise * 3) * 0.5 + 0.5
        img = base - grain[..., None] * np.array([10, 14, 18], np.float32) + noise[..., None] * 3
    elif kind == "weave":
        img = base + (np.sin(xx / 2.0) * np.sin(yy / 2.0))[..., None] * 6 + noise[..., None] * 4
    else:
        img = base + noise[..., None] * 3
    return np.clip(img, 0, 255).astype(np.uint8)


def desk(rng: random.Random, size: tuple[int, int]) -> np.ndarray:
    if rng.random() < 0.4:
        return light_desk(rng, size)
    return desk_texture(rng, size)


def _sheen(card: np.ndarray, rng: random.Random) -> np.ndarray:
    """The hologram overlay seen at an angle: a faint rainbow band across the card."""
    h, w = card.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, math.pi)
    u = (xx * math.cos(angle) + yy * math.sin(angle)) / max(w, h)
    centre, width = rng.uniform(0.2, 0.8), rng.uniform(0.08, 0.2)
    band = np.exp(-(((u - centre) / width) ** 2))
    hue = (u * 6.0) % 1.0
    rainbow = np.stack([np.cos(2 * math.pi * (hue + k / 3)) for k in range(3)], -1)
    strength = rng.uniform(4, 14)
    return np.clip(card.astype(np.float32) + band[..., None] * rainbow * strength, 0, 255).astype(np.uint8)


def place(
    obj: np.ndarray,
    mask: np.ndarray,
    background: np.ndarray,
    rng: random.Random,
    *,
    width_px: float,
    tilt: float = 0.07,
    angle_deg: float = 10.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Warp `obj` (BGR, with its 0-255 mask) onto the background; returns the photo and the object's corners."""
    h, w = background.shape[:2]
    oh, ow = obj.shape[:2]
    ch = width_px * oh / ow
    angle = math.radians(rng.uniform(-angle_deg, angle_deg))
    corners = []
    for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        x = dx * width_px / 2 + rng.uniform(-tilt, tilt) * width_px / 2
        y = dy * ch / 2 + rng.uniform(-tilt, tilt) * ch / 2
        corners.append((x * math.cos(angle) - y * math.sin(angle), x * math.sin(angle) + y * math.cos(angle)))
    pts = np.float32(corners)
    span = pts.max(axis=0) - pts.min(axis=0)
    room = np.maximum(np.float32([w, h]) - span - 8, 0)
    offset = np.float32([rng.uniform(0.25, 0.75) * room[0], rng.uniform(0.25, 0.75) * room[1]]) + 4
    dst = pts - pts.min(axis=0) + offset
    src = np.float32([(0, 0), (ow, 0), (ow, oh), (0, oh)])
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(obj, matrix, (w, h), flags=cv2.INTER_AREA)
    alpha = cv2.warpPerspective(mask, matrix, (w, h), flags=cv2.INTER_LINEAR).astype(np.float32)[..., None] / 255
    shadow = cv2.GaussianBlur(np.roll(alpha[..., 0], (6, 6), axis=(0, 1)), (0, 0), 9)[..., None]
    bg = background.astype(np.float32) * (1 - 0.35 * shadow)
    out = bg * (1 - alpha) + warped.astype(np.float32) * alpha
    return out, matrix


def camera(photo: np.ndarray, rng: random.Random, *, blur: float | None = None) -> np.ndarray:
    """Lighting gradient, optics blur, sensor noise."""
    h, w = photo.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = 1 + rng.uniform(-0.12, 0.12) * (xx / w - 0.5) + rng.uniform(-0.12, 0.12) * (yy / h - 0.5)
    out = photo.astype(np.float32) * light[..., None] * rng.uniform(0.92, 1.05)
    sigma = rng.uniform(0.3, 0.8) if blur is None else blur
    if sigma > 0:
        out = cv2.GaussianBlur(out, (0, 0), sigma)
    out += _np_rng(rng).normal(0, rng.uniform(1.5, 3.5), out.shape)
    return np.clip(out, 0, 255).astype(np.uint8)


def _frame(rng: random.Random) -> tuple[int, int]:
    return rng.choice(FRAMES)


def _card_width(rng: random.Random, frame: tuple[int, int], lo: float = 0.40, hi: float = 0.90) -> float:
    w, h = frame
    cap = min(hi, 0.86 * h * 1.585 / w)  # the whole card must fit in a landscape frame with some tilt
    return rng.uniform(lo, max(lo, cap)) * w


def genuine_photo(card: Image.Image, rng: random.Random, frame: tuple[int, int] | None = None) -> np.ndarray:
    """The genuine card photographed on a desk."""
    frame = frame or _frame(rng)
    obj = _sheen(as_array(card), rng)
    photo, _ = place(obj, np.asarray(mask_for(card)), desk(rng, frame), rng, width_px=_card_width(rng, frame))
    return camera(photo, rng)


# --------------------------------------------------------------------------- attacks


def _paper(rng: random.Random, shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    fibre = cv2.GaussianBlur(_np_rng(rng).normal(0, 1, (h, w)).astype(np.float32), (0, 0), 1.2) * 3
    level = rng.uniform(238, 250)
    return np.clip(level + fibre, 0, 255)


def _on_paper(print_bgr: np.ndarray, rng: random.Random) -> tuple[np.ndarray, np.ndarray, float]:
    """Put the printed card on a piece of paper (a cut-out or the page); returns the object, its mask and the
    fraction of the object's width that is the card."""
    h, w = print_bgr.shape[:2]
    if rng.random() < 0.5:  # cut out around the card with scissors: a few millimetres of paper around it
        mx, my = int(w * rng.uniform(0.01, 0.05)), int(h * rng.uniform(0.01, 0.05))
    else:  # the page itself, folded or cut near the card
        mx, my = int(w * rng.uniform(0.08, 0.2)), int(h * rng.uniform(0.08, 0.25))
    paper = np.repeat(_paper(rng, (h + 2 * my, w + 2 * mx))[..., None], 3, axis=2)
    paper[my : my + h, mx : mx + w] = print_bgr.astype(np.float32) * paper[my : my + h, mx : mx + w] / 255
    obj = np.clip(paper, 0, 255).astype(np.uint8)
    return obj, np.full(obj.shape[:2], 255, np.uint8), w / obj.shape[1]


def photocopy_print(card: Image.Image, rng: random.Random) -> np.ndarray:
    """What comes out of a monochrome copier (BGR, card area only, paper white = 255)."""
    gray = cv2.cvtColor(as_array(card), cv2.COLOR_BGR2GRAY).astype(np.float32)
    gray = cv2.GaussianBlur(gray, (0, 0), rng.uniform(0.6, 1.2))  # optics of the copier
    low, high = rng.uniform(30, 70), rng.uniform(200, 225)  # tone curve: tints vanish, ink saturates
    tone = np.clip((gray - low) / (high - low), 0, 1) ** rng.uniform(0.8, 1.2) * 255
    npr = _np_rng(rng)
    grain = cv2.GaussianBlur(npr.normal(0, 1, gray.shape).astype(np.float32), (0, 0), 0.8) * rng.uniform(8, 16)
    tone = tone + grain * (1 - tone / 255) * 2  # toner grain where there is toner
    specks = npr.random(gray.shape) < rng.uniform(0.0005, 0.002)
    tone[cv2.dilate(specks.astype(np.uint8), np.ones((2, 2), np.uint8)) > 0] = rng.uniform(40, 90)
    border = np.zeros_like(tone, np.uint8)
    cv2.rectangle(border, (1, 1), (tone.shape[1] - 2, tone.shape[0] - 2), 255, 3)  # the card's edge copied as a line
    tone[border > 0] = np.minimum(tone[border > 0], 120)
    tone = np.clip(tone, 0, 255).astype(np.uint8)
    return cv2.cvtColor(tone, cv2.COLOR_GRAY2BGR)


def _halftone_channel(value: np.ndarray, period: float, angle_deg: float, gain: float) -> np.ndarray:
    """Clustered-dot screen: ink coverage 0..1 -> binary dots on a rotated lattice, with dot gain."""
    h, w = value.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = math.radians(angle_deg)
    u = (xx * math.cos(a) + yy * math.sin(a)) / period
    v = (-xx * math.sin(a) + yy * math.cos(a)) / period
    spot = (np.cos(2 * math.pi * u) + np.cos(2 * math.pi * v)) / 4 + 0.5  # 0..1 spot function
    coverage = np.clip(value * (1 + gain) - gain * value**2, 0, 1)
    return (spot < coverage).astype(np.float32)


def colour_print(card: Image.Image, rng: random.Random) -> np.ndarray:
    """What comes out of a colour printer (BGR, card area only)."""
    rgb = as_array(card)[:, :, ::-1].astype(np.float32) / 255
    # gamut of the printer on office paper: saturation lost, blacks lifted, whites = paper
    grey = rgb.mean(axis=2, keepdims=True)
    rgb = grey + (rgb - grey) * rng.uniform(0.45, 0.7)
    rgb = rng.uniform(0.12, 0.22) + rgb * (1 - rng.uniform(0.12, 0.22) - rng.uniform(0.0, 0.03))
    cmy = 1 - rgb
    k = cmy.min(axis=2)
    period = card.width * 25.4 / 85.6 / rng.uniform(85, 110)  # lines per inch on the printed card
    gain = rng.uniform(0.1, 0.3)
    inks = [_halftone_channel(cmy[..., i] - 0.6 * k, period, angle, gain) for i, angle in enumerate((15, 75, 0))]
    black = _halftone_channel(0.6 * k, period, 45, gain)
    out = np.stack([1 - np.clip(inks[i] * 0.85 + black * 0.9, 0, 1) for i in range(3)], -1)  # RGB reflectance
    out = cv2.GaussianBlur(out, (0, 0), period * 0.12)  # ink spreads in the paper
    return np.clip(out[:, :, ::-1] * 255, 0, 255).astype(np.uint8)


def screen_object(card: Image.Image, rng: random.Random) -> tuple[np.ndarray, np.ndarray, float]:
    """A device showing the card: sub-pixel grid, backlight, black border, bezel; with the card's width share."""
    phone = rng.random() < 0.6
    pixels_across = rng.randint(620, 1000) if phone else rng.randint(500, 800)
    sub = 3  # photo-resolution samples per display pixel side, before the camera resamples
    small = cv2.resize(as_array(card), (pixels_across, round(pixels_across * card.height / card.width)), cv2.INTER_AREA)
    shown = small.astype(np.float32) / 255
    shown = 0.06 + shown * 0.94 * rng.uniform(1.05, 1.2)  # backlight: blacks glow, whites over-bright
    shown[..., 0] *= rng.uniform(1.02, 1.1)  # bluish white point
    shown = np.clip(shown, 0, 1)
    # the rest of the display: a black (glowing) area around the shown photo
    sh, sw = shown.shape[:2]
    bx, by = int(sw * rng.uniform(0.02, 0.1)), int(sh * rng.uniform(0.08, 0.4 if phone else 0.2))
    display = np.full((sh + 2 * by, sw + 2 * bx, 3), 0.05, np.float32)
    display[by : by + sh, bx : bx + sw] = shown
    # sub-pixel stripes with the black matrix
    big = np.repeat(np.repeat(display, sub, axis=0), sub, axis=1)
    pattern = np.zeros((sub, sub, 3), np.float32)
    for channel, column in ((2, 0), (1, 1), (0, 2)):  # R G B stripes (BGR order in the array)
        pattern[: sub - 1, column, channel] = 1.0
    tiled = np.tile(pattern, (display.shape[0], display.shape[1], 1)) * (sub * sub / (sub - 1))
    big = big * tiled  # each stripe is as bright as it must be for the pixel to average its colour
    # the bezel around the display
    bezel = int(big.shape[1] * rng.uniform(0.03, 0.07))
    colour = rng.uniform(10, 40)
    obj = np.full((big.shape[0] + 2 * bezel, big.shape[1] + 2 * bezel, 3), colour, np.float32)
    obj[bezel:-bezel, bezel:-bezel] = big * 255
    if rng.random() < 0.5:  # reflection of a window on the glass
        yy, xx = np.mgrid[0 : obj.shape[0], 0 : obj.shape[1]].astype(np.float32)
        band = np.exp(-(((xx - yy * rng.uniform(0.3, 1) - rng.uniform(0, obj.shape[1])) / (obj.shape[1] * 0.08)) ** 2))
        obj += band[..., None] * rng.uniform(15, 35)
    mask = np.zeros(obj.shape[:2], np.uint8)
    radius = bezel * 2
    cv2.rectangle(mask, (radius, 0), (mask.shape[1] - radius, mask.shape[0]), 255, -1)
    cv2.rectangle(mask, (0, radius), (mask.shape[1], mask.shape[0] - radius), 255, -1)
    for cx, cy in ((radius, radius), (mask.shape[1] - radius, radius), (radius, mask.shape[0] - radius)):
        cv2.circle(mask, (cx, cy), radius, 255, -1)
    cv2.circle(mask, (mask.shape[1] - radius, mask.shape[0] - radius), radius, 255, -1)
    return obj, mask, (sw * sub) / obj.shape[1]  # float: stripes brighter than 255 average out in the camera


def attack_photo(kind: str, card: Image.Image, rng: random.Random, frame: tuple[int, int] | None = None) -> np.ndarray:
    """A photo of an attack of `kind` made from the genuine card image."""
    frame = frame or _frame(rng)
    if kind == "photocopy":
        obj, mask, share = _on_paper(photocopy_print(card, rng), rng)
    elif kind == "printout":
        obj, mask, share = _on_paper(colour_print(card, rng), rng)
    elif kind == "screen":
        obj, mask, share = screen_object(card, rng)
    else:
        raise ValueError(kind)
    fw, fh = frame
    card_px = _card_width(rng, frame, 0.42, 0.8)
    width = card_px / share
    oh, ow = obj.shape[:2]
    limit = min(0.97 * fw, 0.97 * fh * ow / oh)
    width = min(width, limit)
    photo, _ = place(obj, mask, desk(rng, frame), rng, width_px=width, tilt=0.05, angle_deg=8)
    return camera(photo, rng, blur=rng.uniform(0.3, 0.7))


BAD = ("blurry", "glare", "too_dark", "not_in_frame", "too_small")


def bad_photo(kind: str, card: Image.Image, rng: random.Random, frame: tuple[int, int] = (1600, 1200)) -> np.ndarray:
    """A genuine card photographed badly, one retake reason each."""
    from tools.idcard.generator import add_glare

    mask = np.asarray(mask_for(card))
    obj = as_array(card)
    if kind == "too_small":
        photo, _ = place(obj, mask, desk(rng, frame), rng, width_px=rng.uniform(0.14, 0.2) * frame[0])
        return camera(photo, rng)
    if kind == "not_in_frame":
        wide = (int(frame[0] * 1.6), frame[1])
        photo, _ = place(obj, mask, desk(rng, wide), rng, width_px=rng.uniform(0.6, 0.7) * frame[0])
        photo = camera(photo, rng)
        left = rng.choice([0, wide[0] - frame[0]])  # the frame cuts the card on one side
        return np.ascontiguousarray(photo[:, left : left + frame[0]])
    photo = genuine_photo(card, rng, frame)
    if kind == "blurry":
        return cv2.GaussianBlur(photo, (0, 0), rng.uniform(4.5, 7.0))
    if kind == "glare":
        return add_glare(photo, rng)
    if kind == "too_dark":
        return np.clip(photo.astype(np.float32) * rng.uniform(0.12, 0.2), 0, 255).astype(np.uint8)
    raise ValueError(kind)
