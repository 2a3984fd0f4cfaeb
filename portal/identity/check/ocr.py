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
    results, _ = engine.text_rec(crops)
    lines = []
    for box, (text, score) in zip(boxes, results, strict=True):
        text = text.strip()
        if not text or score < min_score:
            continue
        xs, ys = box[:, 0], box[:, 1]
        lines.append(OcrLine(text, float(score), (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))))
    lines.sort(key=lambda line: (round(line.cy / 20), line.cx))
    return lines
