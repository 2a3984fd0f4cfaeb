"""Synthetic, FICTIONAL resident ID card fronts and photo variants, for tests and the identity benchmark.

Every identity is random (Hubei region codes, valid check digits); no real person's data is used.
The layout follows the public description of the card front:
labels 姓名/性别/民族/出生/住址/公民身份号码 on the left,
portrait on the right, light patterned background, 85.6 x 54 mm.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from portal.identity.check.numbers import check_digit

SCALE = 2  # the card is drawn at 2 x 856 x 540 px for clean downscaling
CARD_W, CARD_H = 856 * SCALE, 540 * SCALE
PHOTO_SIZE = (1600, 1200)

FONT_CANDIDATES = {
    "sans": [
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
        ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ],
    "sans_bold": [
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
        ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ],
    "digits": [
        ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf", 0),
        ("/usr/share/fonts/truetype/liberation/LiberationMono-Bold.ttf", 0),
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ],
}

REGIONS = {
    "420102": "湖北省武汉市江岸区",
    "420103": "湖北省武汉市江汉区",
    "420106": "湖北省武汉市武昌区",
    "420111": "湖北省武汉市洪山区",
    "420115": "湖北省武汉市江夏区",
    "420202": "湖北省黄石市黄石港区",
    "420302": "湖北省十堰市茅箭区",
    "420502": "湖北省宜昌市西陵区",
    "420602": "湖北省襄阳市襄城区",
    "420902": "湖北省孝感市孝南区",
    "421002": "湖北省荆州市沙市区",
    "421102": "湖北省黄冈市黄州区",
    "421202": "湖北省咸宁市咸安区",
    "422801": "湖北省恩施市",
}
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙"
    "史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建红文辉宇鹏浩飞欣怡晨晓雪"
    "梅琳婷颖佳俊博凯斌峰亮成志海波林云春燕新立国民德永华荣健胜祥安和东南心思雨泽子涵"
)
ETHNICITIES = ["汉"] * 12 + ["土家", "回", "苗", "满", "蒙古", "侗"]
STREETS = [
    "解放大道",
    "中山路",
    "建设大道",
    "友谊路",
    "和平大道",
    "民主路",
    "光谷大道",
    "珞喻路",
    "东湖路",
    "长江路",
]
VILLAGES = ["幸福小区", "阳光花园", "东湖社区", "滨江苑", "桂花村", "新华里", "金色家园", "丽景湾"]


class FontsMissing(RuntimeError):
    pass


@lru_cache(maxsize=64)
def font(kind: str, size: int) -> ImageFont.FreeTypeFont:
    for path, index in FONT_CANDIDATES[kind]:
        if Path(path).exists():
            return ImageFont.truetype(path, size, index=index)
    raise FontsMissing(
        "CJK fonts not found: install the Debian packages fonts-noto-cjk and fonts-wqy-microhei "
        f"(looked for {', '.join(p for p, _ in FONT_CANDIDATES[kind])})"
    )


@dataclass
class Identity:
    name: str
    sex: str
    ethnicity: str
    birth_date: dt.date
    address: str
    id_number: str


def random_identity(rng: random.Random) -> Identity:
    region = rng.choice(sorted(REGIONS))
    born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 44 * 365))
    sequence = rng.randrange(0, 1000)
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    number = first17 + check_digit(first17)
    sex = "男" if sequence % 2 else "女"
    surname = rng.choice(SURNAMES)
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))
    address = (
        REGIONS[region]
        + rng.choice(STREETS)
        + f"{rng.randrange(1, 400)}号"
        + rng.choice(VILLAGES)
        + f"{rng.randrange(1, 30)}栋{rng.randrange(1, 6)}单元{rng.randrange(1, 33)}0{rng.randrange(1, 9)}室"
    )
    return Identity(surname + given, sex, rng.choice(ETHNICITIES), born, address, number)


def other_identity(rng: random.Random, identity: Identity) -> Identity:
    while True:
        other = random_identity(rng)
        if other.name != identity.name and other.id_number != identity.id_number:
            return other


def card_background(rng: random.Random) -> Image.Image:
    w, h = CARD_W, CARD_H
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.array([226, 231, 236], np.float32) + rng.uniform(-6, 6)
    img = np.ones((h, w, 3), np.float32) * base
    # guilloche-like soft waves
    phase = rng.uniform(0, 6.28)
    wave = np.sin(xx / 37.0 + np.sin(yy / 53.0 + phase) * 2.0) * np.cos(yy / 41.0 + phase)
    img += wave[..., None] * np.array([4, 3, -3], np.float32)
    # pale reddish-orange band at the bottom and a bluish area top-right, like the real card
    img[..., 0] -= np.clip((xx - w * 0.5) / w, 0, 1) * 14 * np.clip(1 - yy / h, 0, 1)
    img[..., 2] += np.clip((yy - h * 0.6) / (h * 0.4), 0, 1) * 6
    img[..., 1] -= np.clip((yy - h * 0.6) / (h * 0.4), 0, 1) * 4
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)[..., ::-1].copy())


def _portrait(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    s = SCALE
    x0, y0, x1, y1 = 560 * s, 70 * s, 800 * s, 390 * s
    cx = (x0 + x1) // 2 + rng.randint(-8, 8) * s
    shade = rng.randint(90, 150)
    tone = (shade + 20, shade + 10, shade)
    draw.ellipse((cx - 65 * s, y0 + 30 * s, cx + 65 * s, y0 + 190 * s), fill=tone)
    draw.ellipse((cx - 120 * s, y0 + 200 * s, cx + 120 * s, y1 + 140 * s), fill=tone)
    draw.rectangle((x0 - 20 * s, y1, x1 + 20 * s, y1 + 200 * s), fill=None)
    hair = rng.randint(20, 60)
    draw.chord((cx - 70 * s, y0 + 20 * s, cx + 70 * s, y0 + 140 * s), 180, 360, fill=(hair, hair, hair))


def render_card(identity: Identity, rng: random.Random) -> Image.Image:
    """The card front at 2 x 856 x 540 px (RGB)."""
    img = card_background(rng)
    draw = ImageDraw.Draw(img)
    s = SCALE
    _portrait(draw, rng)
    # the portrait must not cover the text zone
    img.paste(card_background(rng).crop((0, 392 * s, CARD_W, CARD_H)), (0, 392 * s))
    draw = ImageDraw.Draw(img)
    label_color = (40, 110, 170)
    ink = (rng.randint(5, 30),) * 3
    label = font("sans", 22 * s)
    value = font("sans_bold", 32 * s)
    digits = font("digits", 40 * s)

    def put_label(x, y, text):
        draw.text((x * s, y * s), text, font=label, fill=label_color)

    def put_value(x, y, text, f=value):
        draw.text((x * s, y * s), text, font=f, fill=ink)

    put_label(48, 62, "姓  名")
    put_value(132, 54, identity.name)
    put_label(48, 122, "性  别")
    put_value(132, 114, identity.sex)
    put_label(240, 122, "民  族")
    put_value(326, 114, identity.ethnicity)
    put_label(48, 182, "出  生")
    born = identity.birth_date
    put_value(132, 174, f"{born.year}")
    put_label(222, 182, "年")
    put_value(262, 174, f"{born.month}")
    put_label(302, 182, "月")
    put_value(338, 174, f"{born.day}")
    put_label(378, 182, "日")
    put_label(48, 242, "住  址")
    lines = [identity.address[i : i + 12] for i in range(0, len(identity.address), 12)][:3]
    for i, line in enumerate(lines):
        put_value(132, 234 + i * 44, line)
    put_label(48, 448, "公民身份号码")
    draw.text((272 * s, 436 * s), identity.id_number, font=digits, fill=ink)
    return img


def card_mask(radius: int = 28 * SCALE) -> Image.Image:
    mask = Image.new("L", (CARD_W, CARD_H), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, CARD_W - 1, CARD_H - 1), radius=radius, fill=255)
    return mask


def desk_texture(rng: random.Random, size=PHOTO_SIZE) -> np.ndarray:
    """A BGR desk: wood grain, fabric weave or a dark mottled surface."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    kind = rng.choice(["wood", "fabric", "dark"])
    noise = cv2.GaussianBlur(
        np.random.default_rng(rng.randrange(1 << 30)).normal(0, 1, (h, w)).astype(np.float32), (0, 0), 3
    )
    if kind == "wood":
        angle = rng.uniform(-0.4, 0.4)
        u = xx * math.sin(angle) + yy * math.cos(angle)
        grain = np.sin(u / rng.uniform(6, 14) + noise * 2.5) * 0.5 + 0.5
        base = np.array([rng.randint(40, 70), rng.randint(80, 110), rng.randint(120, 160)], np.float32)
        img = base + grain[..., None] * np.array([18, 25, 30], np.float32) + noise[..., None] * 6
    elif kind == "fabric":
        weave = (np.sin(xx / 2.2) * np.sin(yy / 2.2)) * 0.5 + 0.5
        base = np.array([rng.randint(60, 140), rng.randint(50, 110), rng.randint(40, 100)], np.float32)
        img = base + weave[..., None] * 25 + noise[..., None] * 10
    else:
        base = rng.randint(35, 70)
        img = np.full((h, w, 3), base, np.float32) + noise[..., None] * 12
    # uneven lighting
    gx, gy = rng.uniform(-0.25, 0.25), rng.uniform(-0.25, 0.25)
    light = 1 + gx * (xx / w - 0.5) + gy * (yy / h - 0.5)
    img = img * light[..., None]
    return np.clip(img, 0, 255).astype(np.uint8)


def place_card(
    card: Image.Image,
    background: np.ndarray,
    rng: random.Random,
    *,
    width_fraction: tuple[float, float] = (0.55, 0.75),
    shift: tuple[float, float] = (0.0, 0.0),
    tilt: float = 0.08,
) -> np.ndarray:
    """Warp the card onto the background with a random perspective; return the BGR photo."""
    h, w = background.shape[:2]
    cw = w * rng.uniform(*width_fraction)
    ch = cw * 540 / 856
    cx = w / 2 + rng.uniform(-0.08, 0.08) * w + shift[0] * w
    cy = h / 2 + rng.uniform(-0.08, 0.08) * h + shift[1] * h
    angle = math.radians(rng.uniform(-12, 12))
    corners = []
    for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        x, y = dx * cw / 2, dy * ch / 2
        x += rng.uniform(-tilt, tilt) * cw / 2
        y += rng.uniform(-tilt, tilt) * ch / 2
        rx = x * math.cos(angle) - y * math.sin(angle)
        ry = x * math.sin(angle) + y * math.cos(angle)
        corners.append((cx + rx, cy + ry))
    dst = np.float32(corners)
    src = np.float32([(0, 0), (CARD_W, 0), (CARD_W, CARD_H), (0, CARD_H)])
    matrix = cv2.getPerspectiveTransform(src, dst)
    card_bgr = np.asarray(card)[:, :, ::-1]
    warped = cv2.warpPerspective(card_bgr, matrix, (w, h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.asarray(card_mask()), matrix, (w, h), flags=cv2.INTER_LINEAR)
    alpha = mask.astype(np.float32)[..., None] / 255.0
    # soft shadow
    shadow = cv2.GaussianBlur(np.roll(mask, (8, 8), axis=(0, 1)), (0, 0), 10).astype(np.float32)[..., None] / 255
    bg = background.astype(np.float32) * (1 - 0.45 * shadow)
    out = bg * (1 - alpha) + warped.astype(np.float32) * alpha
    # global lighting gradient over everything + sensor noise
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = 1 + rng.uniform(-0.1, 0.1) * (xx / w - 0.5) + rng.uniform(-0.1, 0.1) * (yy / h - 0.5)
    out = out * light[..., None] + np.random.default_rng(rng.randrange(1 << 30)).normal(0, 2.5, out.shape)
    return np.clip(out, 0, 255).astype(np.uint8)


def flat_scan(card: Image.Image, rng: random.Random) -> np.ndarray:
    """A scanner image: the card nearly straight on a light scanner bed, about 300 dpi."""
    cw = rng.randint(980, 1040)
    ch = round(cw * 540 / 856)
    margin_x, margin_y = rng.randint(40, 90), rng.randint(40, 90)
    bg_level = rng.randint(200, 225)
    bed = np.full((ch + 2 * margin_y, cw + 2 * margin_x, 3), bg_level, np.uint8)
    small = card.resize((cw, ch), Image.LANCZOS).rotate(rng.uniform(-1.5, 1.5), expand=False, fillcolor=(bg_level,) * 3)
    mask = card_mask().resize((cw, ch), Image.LANCZOS)
    out = Image.fromarray(bed[:, :, ::-1].copy())
    out.paste(small, (margin_x, margin_y), mask)
    draw = ImageDraw.Draw(out)
    draw.rounded_rectangle(
        (margin_x, margin_y, margin_x + cw - 1, margin_y + ch - 1),
        radius=28 * cw // 856,
        outline=(150, 150, 150),
    )
    arr = np.asarray(out)[:, :, ::-1].astype(np.float32)
    arr += np.random.default_rng(rng.randrange(1 << 30)).normal(0, 1.5, arr.shape)
    return np.clip(arr, 0, 255).astype(np.uint8)


def add_glare(photo: np.ndarray, rng: random.Random, card_center: tuple[float, float] | None = None) -> np.ndarray:
    h, w = photo.shape[:2]
    cx, cy = card_center or (w / 2, h / 2)
    cx += rng.uniform(-0.12, 0.05) * w
    cy += rng.uniform(-0.08, 0.08) * h
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rx, ry = rng.uniform(0.12, 0.18) * w, rng.uniform(0.10, 0.15) * h
    d = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2
    blob = np.clip(1.6 - d, 0, 1)  # flat saturated core with a soft rim
    out = photo.astype(np.float32) + blob[..., None] * 400
    return np.clip(out, 0, 255).astype(np.uint8)


def landscape(rng: random.Random, size=PHOTO_SIZE) -> np.ndarray:
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    sky = np.stack([230 - yy / h * 80, 190 - yy / h * 60, 120 - yy / h * 40], -1)
    img = sky.copy()
    for layer in range(3):
        ridge = h * (0.45 + 0.12 * layer) + np.sin(xx[0] / rng.uniform(80, 200) + rng.uniform(0, 6)) * h * 0.06
        color = np.array([60 + 30 * layer, 110 - 20 * layer, 70 - 10 * layer], np.float32)
        img[yy > ridge[None, :]] = color
    noise = np.random.default_rng(rng.randrange(1 << 30)).normal(0, 12, img.shape)
    img = cv2.GaussianBlur((img + noise).astype(np.float32), (0, 0), 1.2)
    return np.clip(img, 0, 255).astype(np.uint8)


def text_page(rng: random.Random, size=PHOTO_SIZE) -> np.ndarray:
    """A printed page of Chinese text photographed on a desk (or filling the frame)."""
    page_w, page_h = 1240, 1754
    page = Image.new("RGB", (page_w, page_h), (250, 250, 246))
    draw = ImageDraw.Draw(page)
    f = font("sans", 34)
    title = font("sans_bold", 52)
    draw.text((160, 120), "关于做好年度医师资格考试报名工作的通知", font=title, fill=(10, 10, 10))
    words = (
        "各有关单位根据国家医学考试中心安排现将年度医师资格考试报名工作有关事项通知如下请"
        "考生按时完成网上报名并携带材料到考点现场审核"
    )
    y = 260
    while y < page_h - 150:
        line = "".join(rng.choice(words) for _ in range(30))
        draw.text((120, y), line, font=f, fill=(20, 20, 20))
        y += 58
    w, h = size
    if rng.random() < 0.5:
        arr = np.asarray(page.resize((int(page_w * h / page_h), h)))[:, :, ::-1]
        bg = np.full((h, w, 3), 245, np.uint8)
        x0 = (w - arr.shape[1]) // 2
        bg[:, x0 : x0 + arr.shape[1]] = arr
        return bg
    bg = desk_texture(rng, size)
    ph = h * 0.9
    pw = ph * page_w / page_h
    cx, cy = w / 2, h / 2
    dst = np.float32(
        [
            (cx - pw / 2, cy - ph / 2),
            (cx + pw / 2, cy - ph / 2),
            (cx + pw / 2, cy + ph / 2),
            (cx - pw / 2, cy + ph / 2),
        ]
    )
    dst += np.float32([[rng.uniform(-30, 30), rng.uniform(-20, 20)] for _ in range(4)])
    src = np.float32([(0, 0), (page_w, 0), (page_w, page_h), (0, page_h)])
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(np.asarray(page)[:, :, ::-1], matrix, (w, h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((page_h, page_w), 255, np.uint8), matrix, (w, h))
    alpha = mask.astype(np.float32)[..., None] / 255
    return np.clip(bg * (1 - alpha) + warped * alpha, 0, 255).astype(np.uint8)


def blank_wall(rng: random.Random, size=PHOTO_SIZE) -> np.ndarray:
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.array([rng.randint(180, 235), rng.randint(180, 235), rng.randint(180, 235)], np.float32)
    shade = 1 - 0.15 * ((xx / w - rng.random()) ** 2 + (yy / h - rng.random()) ** 2)
    noise = np.random.default_rng(rng.randrange(1 << 30)).normal(0, 3, (h, w, 3))
    return np.clip(base * shade[..., None] + noise, 0, 255).astype(np.uint8)


VARIANTS = {
    # variant: expected decision, expected reasons
    "flat": ("verified", []),
    "photo": ("verified", []),
    "blurry": ("retake", ["blurry"]),
    "glare": ("retake", ["glare"]),
    "too_dark": ("retake", ["too_dark"]),
    "not_in_frame": ("retake", ["not_in_frame"]),
    "too_small": ("retake", ["too_small"]),
    "landscape": ("unreadable", []),
    "text_page": ("unreadable", []),
    "blank_wall": ("unreadable", []),
}
CARD_VARIANTS = ("flat", "photo", "blurry", "glare", "too_dark", "not_in_frame", "too_small")


def make_image(variant: str, identity: Identity | None, rng: random.Random) -> np.ndarray:
    """One BGR image of the given variant."""
    if variant == "landscape":
        return landscape(rng)
    if variant == "text_page":
        return text_page(rng)
    if variant == "blank_wall":
        return blank_wall(rng)
    assert identity is not None
    card = render_card(identity, rng)
    if variant == "flat":
        return flat_scan(card, rng)
    bg = desk_texture(rng)
    if variant == "too_small":
        return place_card(card, bg, rng, width_fraction=(0.14, 0.2))
    if variant == "not_in_frame":
        side = rng.choice([(0.35, 0.0), (-0.35, 0.0), (0.0, 0.33), (0.0, -0.33)])
        return place_card(card, bg, rng, width_fraction=(0.6, 0.7), shift=side)
    photo = place_card(card, bg, rng)
    if variant == "blurry":
        return cv2.GaussianBlur(photo, (0, 0), rng.uniform(4.5, 7.0))
    if variant == "glare":
        return add_glare(photo, rng)
    if variant == "too_dark":
        return np.clip(photo.astype(np.float32) * rng.uniform(0.12, 0.2), 0, 255).astype(np.uint8)
    return photo


def encode_jpeg(image_bgr: np.ndarray, quality: int = 88) -> bytes:
    ok, buf = cv2.imencode(".jpg", image_bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


@dataclass
class Case:
    id: str
    variant: str
    identity: Identity | None
    jpeg: bytes

    def expect(self) -> dict:
        decision, reasons = VARIANTS[self.variant]
        return {"decision": decision, "reasons": list(reasons)}


def generate(plan: list[str], seed: int, quality: int = 88) -> list[Case]:
    """Images for the given list of variants (deterministic for a seed)."""
    rng = random.Random(seed)
    cases = []
    for index, variant in enumerate(plan):
        identity = random_identity(rng) if variant in CARD_VARIANTS else None
        image = make_image(variant, identity, rng)
        cases.append(Case(f"{variant}-{index:03d}", variant, identity, encode_jpeg(image, quality)))
    return cases


def default_plan(count: int) -> list[str]:
    names = list(VARIANTS)
    return [names[i % len(names)] for i in range(count)]


def write_cases(cases: list[Case], out: Path, extra: dict[str, dict] | None = None) -> Path:
    """Write images and `manifest.jsonl` (CONTRACTS' --cases format plus `variant`, `expect` and `extra[case.id]`)."""
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / "manifest.jsonl"
    with manifest.open("w", encoding="utf-8") as fh:
        for case in cases:
            path = out / f"{case.id}.jpg"
            path.write_bytes(case.jpeg)
            identity = case.identity
            entry = {
                "id": case.id,
                "front": path.name,
                "name": identity.name if identity else "张伟",
                "id_number": identity.id_number if identity else "420106199001011231",
                "document_type": "resident_id",
                "variant": case.variant,
                "expect": case.expect(),
            }
            if identity:
                entry["card"] = {
                    "name": identity.name,
                    "sex": identity.sex,
                    "ethnicity": identity.ethnicity,
                    "birth_date": identity.birth_date.isoformat(),
                    "address": identity.address,
                    "id_number": identity.id_number,
                }
            entry.update((extra or {}).get(case.id, {}))
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return manifest


FIXTURE_PLAN = [
    "flat",
    "flat",
    "photo",
    "photo",
    "photo",
    "blurry",
    "glare",
    "too_dark",
    "not_in_frame",
    "too_small",
    "landscape",
    "text_page",
    "blank_wall",
    "text_page",
]
