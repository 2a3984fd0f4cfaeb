"""Find the ID card in a photo and rectify it to the 85.6 x 54 mm aspect (856 x 540 px).

Candidates come from two segmentations of a downscaled copy (bright-region Otsu threshold and closed Canny
edges); each external contour is judged by how rectangular it is, its aspect ratio after perspective,
its size, and whether it touches the image border.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

CARD_SIZE = (856, 540)
CARD_ASPECT = 85.6 / 54.0
WORK_SIDE = 640
MIN_FRACTION = 0.10  # a card covering less of the photo is `too_small`
BORDER = 3  # px at working scale


@dataclass
class CardDetection:
    status: str  # "found", "too_small", "not_in_frame" or "none"
    quad: np.ndarray | None = None  # 4x2 float32, tl tr br bl, in original image coordinates
    rectified: np.ndarray | None = None  # BGR 540x856 when found
    area_fraction: float = 0.0


@dataclass
class _Candidate:
    quad: np.ndarray  # working scale
    area_fraction: float
    rectangularity: float
    aspect: float
    touches: int  # number of image sides touched
    contrast: float


def order_quad(points: np.ndarray) -> np.ndarray:
    """Order 4 points as top-left, top-right, bottom-right, bottom-left, long side horizontal."""
    pts = np.asarray(points, np.float32).reshape(4, 2)
    center = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - center[1], pts[:, 0] - center[0])
    pts = pts[np.argsort(angles)]  # clockwise in image coordinates starting near -pi (left)
    start = int(np.argmin(pts.sum(axis=1)))
    pts = np.roll(pts, -start, axis=0)
    top = np.linalg.norm(pts[1] - pts[0]) + np.linalg.norm(pts[2] - pts[3])
    side = np.linalg.norm(pts[3] - pts[0]) + np.linalg.norm(pts[2] - pts[1])
    if side > top:  # card held in portrait orientation: make the long side the top
        pts = np.roll(pts, -1, axis=0)
    return pts


def _quad_aspect(quad: np.ndarray) -> float:
    top = np.linalg.norm(quad[1] - quad[0]) + np.linalg.norm(quad[2] - quad[3])
    side = np.linalg.norm(quad[3] - quad[0]) + np.linalg.norm(quad[2] - quad[1])
    return float(top / max(side, 1e-6))


def background_mask(small: np.ndarray) -> np.ndarray:
    """Pixels unlike the surface around the card: Lab distance from the median colour of the image border,
    after a blur that removes desk textures (wood grain, weave), thresholded by Otsu. It separates a light card
    from a light desk whose brightness is almost the same but whose colour or texture differs."""
    lab = cv2.cvtColor(cv2.GaussianBlur(small, (0, 0), 2.5), cv2.COLOR_BGR2LAB).astype(np.float32)
    band = max(4, min(small.shape[:2]) // 40)
    border = np.concatenate(
        [
            lab[:band].reshape(-1, 3),
            lab[-band:].reshape(-1, 3),
            lab[:, :band].reshape(-1, 3),
            lab[:, -band:].reshape(-1, 3),
        ]
    )
    distance = np.linalg.norm(lab - np.median(border, axis=0), axis=2)
    distance = cv2.GaussianBlur(np.clip(distance * 10, 0, 255).astype(np.uint8), (5, 5), 0)
    _, mask = cv2.threshold(distance, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))
    mask = cv2.morphologyEx(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel), cv2.MORPH_OPEN, kernel)
    # fill holes (text, portrait) so that the card is one solid region
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    solid = np.zeros_like(mask)
    cv2.drawContours(solid, contours, -1, 255, -1)
    return solid


def _candidates(gray: np.ndarray, extra_masks: tuple[np.ndarray, ...] = ()) -> list[_Candidate]:
    h, w = gray.shape
    total = float(h * w)
    blurred = cv2.GaussianBlur(gray, (5, 5), 0)
    masks = []
    _, otsu = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (7, 7))
    masks.append(cv2.morphologyEx(cv2.morphologyEx(otsu, cv2.MORPH_OPEN, kernel), cv2.MORPH_CLOSE, kernel))
    for low, high in ((40, 120), (12, 36)):  # strong edges first; faint ones for light card on light bed
        edges = cv2.Canny(blurred, low, high)
        edges = cv2.dilate(edges, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)), iterations=2)
        masks.append(edges)
    masks.extend(extra_masks)
    found: list[_Candidate] = []
    for mask in masks:
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            hull = cv2.convexHull(contour)
            hull_area = cv2.contourArea(hull)
            if hull_area < 0.01 * total or hull_area > 0.97 * total:
                continue
            peri = cv2.arcLength(hull, True)
            approx = cv2.approxPolyDP(hull, 0.02 * peri, True)
            if len(approx) == 4:
                quad = approx.reshape(4, 2).astype(np.float32)
            else:
                quad = cv2.boxPoints(cv2.minAreaRect(hull)).astype(np.float32)
            quad = order_quad(quad)
            quad_area = cv2.contourArea(quad)
            if quad_area <= 0:
                continue
            rectangularity = min(hull_area, quad_area) / max(hull_area, quad_area)
            xs, ys = hull[:, 0, 0], hull[:, 0, 1]
            touches = (
                int(xs.min() <= BORDER)
                + int(ys.min() <= BORDER)
                + int(xs.max() >= w - 1 - BORDER)
                + int(ys.max() >= h - 1 - BORDER)
            )
            region = np.zeros_like(gray)
            cv2.fillConvexPoly(region, hull.astype(np.int32), 255)
            inside = cv2.mean(gray, mask=region)[0]
            outside = cv2.mean(gray, mask=255 - region)[0]
            found.append(
                _Candidate(quad, hull_area / total, rectangularity, _quad_aspect(quad), touches, inside - outside)
            )
    return found


def _has_print(gray: np.ndarray, quad: np.ndarray) -> bool:
    """True when the region holds small dark marks (printed text), as a card does and a wall does not."""
    region = np.zeros_like(gray)
    cv2.fillConvexPoly(region, quad.astype(np.int32), 255)
    region = cv2.erode(region, np.ones((9, 9), np.uint8))
    local = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 12)
    share = cv2.countNonZero(cv2.bitwise_and(local, region)) / max(cv2.countNonZero(region), 1)
    return 0.01 <= share <= 0.45


def rectify(image: np.ndarray, quad: np.ndarray, size: tuple[int, int] = CARD_SIZE) -> np.ndarray:
    w, h = size
    dst = np.float32([(0, 0), (w - 1, 0), (w - 1, h - 1), (0, h - 1)])
    matrix = cv2.getPerspectiveTransform(np.float32(quad), dst)
    return cv2.warpPerspective(image, matrix, (w, h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)


def _upright(card: np.ndarray) -> np.ndarray:
    """Turn a card upside down when its portrait (a large darker area) is on the left-bottom side."""
    gray = cv2.cvtColor(card, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape
    right = gray[int(0.1 * h) : int(0.7 * h), int(0.66 * w) : int(0.93 * w)].mean()
    left = gray[int(0.3 * h) : int(0.9 * h), int(0.07 * w) : int(0.34 * w)].mean()
    return cv2.rotate(card, cv2.ROTATE_180) if left < right - 25 else card


def find_card(image: np.ndarray) -> CardDetection:
    """Locate the card in a BGR photo."""
    h, w = image.shape[:2]
    scale = WORK_SIDE / max(h, w)
    small = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    candidates = _candidates(gray, (background_mask(small),))
    good_shape = [c for c in candidates if c.rectangularity >= 0.88 and 1.30 <= c.aspect <= 1.95]
    complete = [c for c in good_shape if c.touches == 0 and _has_print(gray, c.quad)]
    if complete:
        best = max(complete, key=lambda c: c.area_fraction * c.rectangularity)
        quad = best.quad / scale
        if best.area_fraction < MIN_FRACTION:
            return CardDetection("too_small", quad, None, best.area_fraction)
        card = _upright(rectify(image, quad))
        return CardDetection("found", quad, card, best.area_fraction)
    cut = [
        c
        for c in candidates
        if 1 <= c.touches <= 2
        and 0.08 <= c.area_fraction <= 0.8
        and c.rectangularity >= 0.8
        and c.contrast >= 25
        and _has_print(gray, c.quad)
    ]
    if cut:
        best = max(cut, key=lambda c: c.area_fraction)
        return CardDetection("not_in_frame", best.quad / scale, None, best.area_fraction)
    # a scan already cropped to the card: the whole image is the card
    if 1.45 <= w / h <= 1.75:
        quad = np.float32([(0, 0), (w - 1, 0), (w - 1, h - 1), (0, h - 1)])
        return CardDetection("found", quad, _upright(rectify(image, quad)), 1.0)
    return CardDetection("none")
