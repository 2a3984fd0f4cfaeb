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


def test_a_card_s_short_labels_are_not_padded_to_the_number_s_width(ocr_engine):
    """On a generated card photo: each recogniser run holds crops of similar width, and what it reads is what
    RapidOCR's own recogniser (one batch padded to the widest crop) reads from the same crops."""
    import cv2

    from portal.identity.check import ocr
    from portal.identity.check.card import find_card
    from portal.identity.check.imaging import sanitize_upload
    from tools.idcard import generate

    card = find_card(sanitize_upload(generate(["photo"], seed=18)[0].jpeg).bgr()).rectified
    scale = ocr.DET_WIDTH / card.shape[1]
    small = cv2.resize(card, (ocr.DET_WIDTH, round(card.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    boxes, _ = ocr_engine.text_det(small)
    crops = ocr_engine.get_crop_img_list(card, np.asarray(boxes, np.float32) / scale)
    ratios = [c.shape[1] / c.shape[0] for c in crops]
    assert max(ratios) > 3 * max(MIN_REC_RATIO, min(ratios))  # the card has short and long lines

    widths = []
    session = ocr_engine.text_rec.session

    class Recording:
        def __call__(self, batch):
            widths.append((batch.shape[0], batch.shape[-1]))
            return session(batch)

    ocr_engine.text_rec.session = Recording()
    try:
        ours = recognise(ocr_engine, crops)
    finally:
        ocr_engine.text_rec.session = session
    for batch in ocr._batches(ratios):
        padded = max(MIN_REC_RATIO, max(ratios[i] for i in batch))
        assert all(padded <= ocr.REC_SPREAD * max(MIN_REC_RATIO, ratios[i]) for i in batch)
    assert sum(n * w for n, w in widths) < 0.75 * len(crops) * max(w for _, w in widths)
    theirs = ocr_engine.text_rec(crops)[0]
    assert [text for text, _ in ours] == [text for text, _ in theirs]
    assert "姓名" in {text for text, _ in ours}
