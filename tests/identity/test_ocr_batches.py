"""Recognition cost (issue 13): short boxes (a label, 男, 汉) are not padded to RapidOCR's 320 px input."""

from __future__ import annotations

import numpy as np

from portal.identity.check.ocr import MIN_REC_RATIO, recognise


def test_short_crops_are_recognised_in_narrow_batches(ocr_engine):
    widths = []
    session = ocr_engine.text_rec.session

    class Recording:
        def __call__(self, batch):
            widths.append(batch.shape[-1])
            return session(batch)

    crops = [np.full((40, 40 * (1 + i % 2), 3), 255, np.uint8) for i in range(4)]
    ocr_engine.text_rec.session = Recording()
    try:
        results = recognise(ocr_engine, crops)
    finally:
        ocr_engine.text_rec.session = session
    assert len(results) == 4
    assert widths == [round(48 * MIN_REC_RATIO)]  # one batch, 160 px wide, not 320
