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
MIN_WIDTH_SHARE = 0.28  # a card whose long side spans less of the frame's width is `too_small`
BORDER = 3  # px at working scale
MAX_CONTACT = 0.2  # share of an outline along the image border above which the frame cuts the card
MAX_OUTSIDE = 0.01  # share of the card's area outside the frame still counted whole (a grazed rounded corner)
MIN_EDGE = 2.0  # weakest side's edge contrast (weighted Lab units per px) for an outline to be the card
EDGE_BALANCE = 0.12  # ... and at least this share of the strongest side's
NESTED_AREA = 0.3  # an inner card outline at least this share of the outer one may be the card on a sheet
BLANK_BAND = 0.01  # share of print marks in the band between them below which the band is blank paper


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
    contact: float = 0.0  # share of the outline lying on the image border


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
                _Candidate(
                    quad,
                    hull_area / total,
                    rectangularity,
                    _quad_aspect(quad),
                    touches,
                    inside - outside,
                    _border_contact(hull, (h, w)) if touches else 0.0,
                )
            )
    return found


def _border_contact(hull: np.ndarray, shape: tuple[int, int]) -> float:
    """Share of the outline's length within BORDER px of the image edge: long where the frame cuts the card,
    short where a corner of a card that is in the frame only grazes the edge (or its shadow does)."""
    h, w = shape
    outline = np.zeros((h, w), np.uint8)
    cv2.polylines(outline, [hull.astype(np.int32)], True, 255, 1)
    edge = np.zeros_like(outline)
    edge[: BORDER + 1], edge[-BORDER - 1 :], edge[:, : BORDER + 1], edge[:, -BORDER - 1 :] = 255, 255, 255, 255
    return cv2.countNonZero(cv2.bitwise_and(outline, edge)) / max(cv2.countNonZero(outline), 1)


_SIDE_HALVES = (np.linspace(0.12, 0.45, 24), np.linspace(0.55, 0.88, 24))
_CHANNEL_WEIGHTS = np.float32([1.0, 2.0, 2.0])  # L, a, b of OpenCV's 8-bit Lab: colour edges count too


def edge_gradients(small: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y derivatives of the slightly blurred Lab image (H x W x 3 each, channel-weighted)."""
    lab = cv2.cvtColor(cv2.GaussianBlur(small, (0, 0), 1.0), cv2.COLOR_BGR2LAB).astype(np.float32)
    lab *= _CHANNEL_WEIGHTS
    return cv2.Sobel(lab, cv2.CV_32F, 1, 0, ksize=3, scale=1 / 8), cv2.Sobel(
        lab, cv2.CV_32F, 0, 1, ksize=3, scale=1 / 8
    )


def _coherent(grads: tuple[np.ndarray, np.ndarray], base: np.ndarray, normal: np.ndarray, offsets: np.ndarray):
    """For each offset along `normal`, the contrast of a straight edge through the shifted `base` points: the
    mean signed derivative across the line (per channel, then their norm). A card's edge has one sign all
    along (card lighter, or darker, than the desk); texture, wavy guilloche and noise average out."""
    pts = base[None, :, :] + offsets[:, None, None] * normal
    mapx, mapy = pts[..., 0].astype(np.float32), pts[..., 1].astype(np.float32)
    gx = cv2.remap(grads[0], mapx, mapy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    gy = cv2.remap(grads[1], mapx, mapy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    across = gx * normal[0] + gy * normal[1]  # offsets x samples x channels
    return np.sqrt((across.mean(axis=1) ** 2).sum(axis=-1))


def _intersect(p: np.ndarray, d: np.ndarray, q: np.ndarray, e: np.ndarray) -> np.ndarray | None:
    det = d[0] * -e[1] - d[1] * -e[0]
    if abs(det) < 1e-6:
        return None
    t = ((q[0] - p[0]) * -e[1] - (q[1] - p[1]) * -e[0]) / det
    return p + t * d


def snap_to_edges(quad: np.ndarray, grads: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, list[float]]:
    """Move each side of `quad` (working scale, ordered) onto the strongest straight edge near it, each half of
    the side on its own (so the side may turn a little); returns the new quad and each side's edge contrast.

    A segmentation's outline lies a few pixels off the card's edge (a blurred halo, the shadow, a rounded
    corner cut by the polygon fit); the edge itself is where the derivative across the side peaks."""
    mean_side = float(np.mean([np.linalg.norm(quad[(i + 1) % 4] - quad[i]) for i in range(4)]))
    reach = max(3.0, 0.05 * mean_side)
    offsets = np.arange(-reach, reach + 0.01, 0.5, dtype=np.float32)
    lines, strengths = [], []
    for i in range(4):
        p0, p1 = quad[i], quad[(i + 1) % 4]
        d = p1 - p0
        length = float(np.linalg.norm(d))
        if length < 4:
            return quad, [0.0] * 4
        normal = np.float32([d[1], -d[0]]) / length  # outward for a clockwise (image coordinates) quad
        points, contrast = [], []
        for half in _SIDE_HALVES:
            base = p0 + half[:, None].astype(np.float32) * d
            values = _coherent(grads, base, normal, offsets)
            k = int(np.argmax(values))
            shift = float(offsets[k])
            if 0 < k < len(values) - 1:  # sub-pixel: the vertex of the parabola through the peak
                left, mid, right = values[k - 1], values[k], values[k + 1]
                denom = left - 2 * mid + right
                if denom < 0:
                    shift += 0.5 * 0.5 * (left - right) / denom
            points.append(base.mean(axis=0) + shift * normal)
            contrast.append(float(values[k]))
        lines.append((points[0], points[1] - points[0]))
        strengths.append(float(np.mean(contrast)))
    corners = []
    for i in range(4):
        (p, dp), (q, dq) = lines[i - 1], lines[i]
        corner = _intersect(p, dp, q, dq)
        if corner is None or np.linalg.norm(corner - quad[i]) > 2 * reach:
            return quad, strengths
        corners.append(corner)
    return np.float32(corners), strengths


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


def _printed_inside(gray: np.ndarray, outer: np.ndarray, quads: list[np.ndarray]) -> np.ndarray:
    """The card printed on a sheet: when another card-shaped outline lies well inside `outer` and the band
    between them is blank (paper with no print), the card is the inner outline (a printout or a copy on its
    page, a card on a sheet of paper); otherwise `outer`."""
    area = cv2.contourArea(outer)
    inner = [
        q
        for q in quads
        if NESTED_AREA * area <= cv2.contourArea(q) <= 0.92 * area
        and all(cv2.pointPolygonTest(outer.reshape(-1, 1, 2), (float(x), float(y)), True) > 2 for x, y in q)
    ]
    if not inner:
        return outer
    best = max(inner, key=cv2.contourArea)
    band = np.zeros_like(gray)
    cv2.fillConvexPoly(band, outer.astype(np.int32), 255)
    band = cv2.erode(band, np.ones((9, 9), np.uint8))
    cv2.fillConvexPoly(band, best.astype(np.int32), 0)
    band = cv2.erode(band, np.ones((9, 9), np.uint8))
    if cv2.countNonZero(band) == 0:
        return outer
    local = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 12)
    marks = cv2.countNonZero(cv2.bitwise_and(local, band)) / cv2.countNonZero(band)
    return best if marks <= BLANK_BAND else outer


def _outside_share(quad: np.ndarray, shape: tuple[int, int]) -> float:
    """Share of the quad's area that lies outside the image."""
    h, w = shape
    area = cv2.contourArea(quad.astype(np.float32))
    if area <= 0:
        return 1.0
    inside, _ = cv2.intersectConvexConvex(quad.astype(np.float32), np.float32([(0, 0), (w, 0), (w, h), (0, h)]))
    return float(max(0.0, 1 - inside / area))


def _width_share(quad: np.ndarray, width: int) -> float:
    """The card's long side over the frame's width (the card is held across the frame, landscape or portrait)."""
    top = np.linalg.norm(quad[1] - quad[0]) + np.linalg.norm(quad[2] - quad[3])
    return float(top / 2 / width)


def find_card(image: np.ndarray) -> CardDetection:
    """Locate the card in a BGR photo.

    Every segmentation's card-shaped outline is snapped onto the straight edges around it; an outline counts
    as the card when all four sides lie on a real edge (one side in the middle of the desk, as when a shadow
    or a stain joins the card's region, does not), and the card is then the largest such outline."""
    h, w = image.shape[:2]
    scale = WORK_SIDE / max(h, w)
    small = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    candidates = _candidates(gray, (background_mask(small),))
    good_shape = [c for c in candidates if c.rectangularity >= 0.88 and 1.30 <= c.aspect <= 1.95]
    grads = edge_gradients(small)
    complete = []
    for c in good_shape:
        if c.contact > MAX_CONTACT:
            continue
        quad, sides = snap_to_edges(c.quad, grads)
        supported = min(sides) >= max(MIN_EDGE, EDGE_BALANCE * max(sides))
        if (
            supported
            and 1.30 <= _quad_aspect(quad) <= 1.95
            and _outside_share(quad, gray.shape) <= MAX_OUTSIDE
            and _has_print(gray, quad)
        ):
            complete.append((c, quad))
    if complete:
        best, quad = max(complete, key=lambda item: cv2.contourArea(item[1]) * item[0].rectangularity)
        quad = _printed_inside(gray, quad, [q for _, q in complete]) / scale
        area = cv2.contourArea(quad) / float(h * w)
        if _width_share(quad, w) < MIN_WIDTH_SHARE:
            return CardDetection("too_small", quad, None, area)
        card = _upright(rectify(image, quad))
        return CardDetection("found", quad, card, area)
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
