"""Photo quality: named reasons for a retake, Chinese messages, and a preview overlay for the page."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from portal.identity.check.card import CARD_ASPECT, CardDetection, find_card

MESSAGES_ZH = {
    "blurry": "照片模糊，请在光线充足处重拍",
    "glare": "证件反光，请避开强光重拍",
    "too_dark": "照片太暗，请在光线充足处重拍",
    "not_in_frame": "证件未完整拍入画面，请将证件放入取景框内",
    "too_small": "证件在画面中太小，请靠近一些重拍",
}

DARK_MEAN = 80  # mean gray of the rectified card below which it is too dark
DARK_IMAGE_MEAN = 45  # mean gray of a whole photo in which nothing can be found
BLUR_VARIANCE = 120.0  # variance of the Laplacian over the text zone of the 856x540 card
GLARE_LEVEL = 253  # a highlight saturates the sensor; a bright white card background does not
GLARE_SHARE = 0.02  # share of the text zone washed out by a highlight

# text zone of the card front (fractions of the rectified card): left of the portrait and the number strip
_TEXT_ZONE = (0.04, 0.06, 0.66, 0.95)


def _zone(card: np.ndarray) -> np.ndarray:
    h, w = card.shape[:2]
    x0, y0, x1, y1 = _TEXT_ZONE
    return card[int(y0 * h) : int(y1 * h), int(x0 * w) : int(x1 * w)]


def sharpness(card_gray: np.ndarray) -> float:
    """Variance of the Laplacian over the text zone."""
    return float(cv2.Laplacian(_zone(card_gray), cv2.CV_64F).var())


def glare_share(card_gray: np.ndarray) -> float:
    """Share of the text zone covered by one saturated, featureless highlight blob."""
    zone = cv2.medianBlur(_zone(card_gray), 5)
    # a highlight is brighter than the card's own background (white paper is not glare)
    level = max(GLARE_LEVEL, min(255, float(np.median(zone)) + 12))
    mask = (zone >= level).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return 0.0
    return float(stats[1:, cv2.CC_STAT_AREA].max() / zone.size)


def card_reasons(card: np.ndarray) -> list[str]:
    """Quality problems of a rectified card (BGR): a subset of blurry, glare, too_dark."""
    gray = cv2.cvtColor(card, cv2.COLOR_BGR2GRAY)
    if float(gray.mean()) < DARK_MEAN:
        return ["too_dark"]  # sharpness and glare cannot be judged on an underexposed card
    reasons = []
    if sharpness(gray) < BLUR_VARIANCE:
        reasons.append("blurry")
    if glare_share(gray) >= GLARE_SHARE:
        reasons.append("glare")
    return reasons


def image_too_dark(image: np.ndarray) -> bool:
    return float(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).mean()) < DARK_IMAGE_MEAN


@dataclass
class QualityReport:
    reasons: list[str]
    messages_zh: list[str]
    overlay: np.ndarray  # BGR preview with the frame guide and the detected card outline
    detection: CardDetection | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.reasons and self.detection is not None and self.detection.status == "found"


def detection_reasons(image: np.ndarray, detection: CardDetection) -> list[str]:
    """Retake reasons for a photo given its card detection ([] when none apply)."""
    if detection.status in ("not_in_frame", "too_small"):
        return [detection.status]
    if detection.status == "none":
        return ["too_dark"] if image_too_dark(image) else []
    return card_reasons(detection.rectified)


def draw_overlay(image: np.ndarray, detection: CardDetection | None, ok: bool) -> np.ndarray:
    """The photo with a dashed frame guide (card aspect, 80% of the width) and the detected outline."""
    overlay = image.copy()
    h, w = overlay.shape[:2]
    gw = int(w * 0.8)
    gh = int(gw / CARD_ASPECT)
    if gh > h * 0.8:
        gh = int(h * 0.8)
        gw = int(gh * CARD_ASPECT)
    x0, y0 = (w - gw) // 2, (h - gh) // 2
    thickness = max(2, w // 400)
    step = max(12, w // 60)
    for x in range(x0, x0 + gw, step * 2):
        cv2.line(overlay, (x, y0), (min(x + step, x0 + gw), y0), (255, 255, 255), thickness)
        cv2.line(overlay, (x, y0 + gh), (min(x + step, x0 + gw), y0 + gh), (255, 255, 255), thickness)
    for y in range(y0, y0 + gh, step * 2):
        cv2.line(overlay, (x0, y), (x0, min(y + step, y0 + gh)), (255, 255, 255), thickness)
        cv2.line(overlay, (x0 + gw, y), (x0 + gw, min(y + step, y0 + gh)), (255, 255, 255), thickness)
    if detection is not None and detection.quad is not None:
        color = (60, 200, 60) if ok else (0, 140, 255)
        cv2.polylines(overlay, [detection.quad.astype(np.int32)], True, color, thickness * 2)
    return overlay


def assess(image: np.ndarray) -> QualityReport:
    """Quality of a BGR photo for the page preview (no OCR)."""
    detection = find_card(image)
    reasons = detection_reasons(image, detection)
    ok = not reasons and detection.status == "found"
    return QualityReport(reasons, [MESSAGES_ZH[r] for r in reasons], draw_overlay(image, detection, ok), detection)


PREVIEW_WIDTH = 1024  # width of the preview image sent to the page
NO_CARD = "未找到身份证，请将身份证人像面完整放入取景框内"


def preview(image: np.ndarray) -> tuple[bool, list[str], bytes]:
    """The page preview of a BGR photo (a small copy): ok, the Chinese messages, the overlay as JPEG."""
    report = assess(image)
    overlay = report.overlay
    if overlay.shape[1] > PREVIEW_WIDTH:
        height = round(overlay.shape[0] * PREVIEW_WIDTH / overlay.shape[1])
        overlay = cv2.resize(overlay, (PREVIEW_WIDTH, height), interpolation=cv2.INTER_AREA)
    encoded, buffer = cv2.imencode(".jpg", overlay, [cv2.IMWRITE_JPEG_QUALITY, 85])
    messages = list(report.messages_zh) or ([] if report.ok else [NO_CARD])
    return report.ok, messages, buffer.tobytes() if encoded else b""
