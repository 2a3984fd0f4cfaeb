"""The automatic check of a resident ID card front (`auto_id_card`), from upload bytes to a decision.

`pipeline.check_id_card` runs the steps in order: `imaging` bounds and decodes the untrusted upload, `card`
finds and rectifies the card, `quality` names what makes a photo unusable, `ocr` reads the text lines,
`fields` parses them into the card's fields, `numbers` validates document numbers. The modules are imported
one by one (this package imports nothing), so that code needing only `numbers` does not load OpenCV.
"""
