"""OCR of the rectified card with RapidOCR (ONNX Runtime), loaded once per process.

Text detection runs once on a downscaled copy of the rectified card (no angle classifier: the card is already
upright), recognition runs on the detected lines cut from the full-resolution card.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

DET_WIDTH = 640  # detection input width for the 856x540 card
REC_BATCH = 6  # most crops per recogniser run (RapidOCR's default)
REC_SPREAD = 1.25  # widest over narrowest padded width in one run: wider crops start a run of their own
MIN_REC_RATIO = 160 / 48  # narrowest recogniser input (width over its 48 px height)


@dataclass
class OcrLine:
    text: str
    score: float
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in rectified-card pixels

    @property
    def cx(self) -> float:
        return (self.box[0] + self.box[2]) / 2

    @property
    def cy(self) -> float:
        return (self.box[1] + self.box[3]) / 2

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]


@lru_cache(maxsize=1)
def ocr_engine():
    """The process-wide RapidOCR engine (the Streamlit app wraps this in st.cache_resource)."""
    from rapidocr_onnxruntime import RapidOCR

    threads = int(os.environ.get("PORTAL_OCR_THREADS", "0")) or min(os.cpu_count() or 1, 4)
    return RapidOCR(
        det_limit_side_len=32,  # never upscale: the caller chooses the detection size
        det_limit_type="min",
        intra_op_num_threads=threads,
        inter_op_num_threads=1,
        use_cls=False,
    )


def _batches(ratios: list[float]) -> list[list[int]]:
    """Crops (indices) grouped for the recogniser: sorted by width, at most REC_BATCH per run, and no crop
    padded beyond REC_SPREAD times its own width (each run is padded to its widest crop)."""
    batches: list[list[int]] = []
    for index in np.argsort(ratios, kind="stable"):
        index = int(index)
        if batches:
            batch = batches[-1]
            narrowest = max(MIN_REC_RATIO, ratios[batch[0]])
            if len(batch) < REC_BATCH and max(MIN_REC_RATIO, ratios[index]) <= REC_SPREAD * narrowest:
                batch.append(index)
                continue
        batches.append([index])
    return batches


def recognise(engine, crops: list[np.ndarray]) -> list[tuple[str, float]]:
    """(text, score) of each crop. As RapidOCR's own recogniser (crops sorted by width, batches each padded
    to its widest crop), but short crops (a label, 男, 汉) are padded to MIN_REC_RATIO heights, not to the
    320 px that RapidOCR pads every input to, and a batch holds only crops of similar width (`_batches`):
    the recognition cost is proportional to the padded width, and most boxes on a card are short while the
    address and the number are long (one batch of six padded to the number's width cost 1.6 times as much)."""
    rec = engine.text_rec
    try:
        session, decode, resize = rec.session, rec.postprocess_op, rec.resize_norm_img
    except AttributeError:  # another RapidOCR version: its own recogniser
        return rec(crops)[0]
    ratios = [crop.shape[1] / max(crop.shape[0], 1) for crop in crops]
    out: list[tuple[str, float]] = [("", 0.0)] * len(crops)
    for batch in _batches(ratios):
        widest = max(MIN_REC_RATIO, max(ratios[i] for i in batch))
        images = np.concatenate([resize(crops[i], widest)[np.newaxis, :] for i in batch]).astype(np.float32)
        decoded = decode(session(images)[0], False, wh_ratio_list=[ratios[i] for i in batch], max_wh_ratio=widest)
        for index, item in zip(batch, decoded, strict=True):
            out[index] = (item[0], float(item[1]))
    return out


def read_lines(card: np.ndarray, engine=None, min_score: float = 0.5) -> list[OcrLine]:
    """Text lines of a rectified BGR card, sorted top to bottom then left to right."""
    engine = engine or ocr_engine()
    h, w = card.shape[:2]
    scale = DET_WIDTH / w
    small = cv2.resize(card, (DET_WIDTH, round(h * scale)), interpolation=cv2.INTER_AREA)
    boxes, _ = engine.text_det(small)
    if boxes is None or len(boxes) == 0:
        return []
    boxes = np.asarray(boxes, np.float32) / scale
    crops = engine.get_crop_img_list(card, boxes)
    results = recognise(engine, crops)
    lines = []
    for box, (text, score) in zip(boxes, results, strict=True):
        text = text.strip()
        if not text or score < min_score:
            continue
        xs, ys = box[:, 0], box[:, 1]
        lines.append(OcrLine(text, float(score), (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))))
    lines.sort(key=lambda line: (round(line.cy / 20), line.cx))
    return lines
