"""The live card scanner of 证件扫描, a Streamlit components-v2 widget (scanner.js + scanner.css, no build step).

    scan = card_scanner(key="scanner", token=token)   # token: portal.identity.capture.issue_token
    if scan and scan.jpeg: ...                          # 提交核验 was pressed: the JPEG crop, its token, measures
    if scan and scan.manual_review: ...                 # no camera: the candidate chose manual review

The browser opens the rear camera, draws the card outline, gives live hints, takes the shot automatically once
the frame has been good and steady for a second (or by 拍照), shows the still with 重拍 and 提交核验, and only
then sends the crop around the outline as JPEG. Everything it shows is Chinese.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

_HERE = Path(__file__).parent
MAX_IMAGE_CHARS = 14 * 1024 * 1024  # base64 of a 10 MB JPEG; anything longer is refused unread

_mount = st.components.v2.component(
    "portal.card_scanner",
    js=(_HERE / "scanner.js").read_text(encoding="utf-8"),
    css=(_HERE / "scanner.css").read_text(encoding="utf-8"),
)


@dataclass(frozen=True)
class CardScan:
    """What the scanner sent in this run: a capture (jpeg, token, measures) or the choice of manual review."""

    jpeg: bytes = b""
    token: str = ""
    measures: dict = field(default_factory=dict)
    manual_review: bool = False


def _ignore() -> None:
    """Triggers are read from the result; no callback work is needed."""


def card_scanner(*, key: str, token: str) -> CardScan | None:
    """Show the scanner; return what the candidate sent in this run, or None."""
    result = _mount(key=key, data={"token": token}, on_submit_change=_ignore, on_manual_change=_ignore, width="stretch")
    if result.get("manual"):
        return CardScan(manual_review=True)
    sent = result.get("submit")
    if not isinstance(sent, dict):
        return None
    encoded = sent.get("image")
    jpeg = b""
    if isinstance(encoded, str) and len(encoded) <= MAX_IMAGE_CHARS:
        try:
            jpeg = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            jpeg = b""
    measures = sent.get("measures") if isinstance(sent.get("measures"), dict) else {}
    token_sent = sent.get("token") if isinstance(sent.get("token"), str) else ""
    return CardScan(jpeg=jpeg, token=token_sent[:200], measures=measures)
