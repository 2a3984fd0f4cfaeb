"""The OCR engine, loaded once per process (the RapidOCR models take a few seconds to load)."""

from __future__ import annotations

import streamlit as st

from portal.identity.check import ocr


@st.cache_resource(show_spinner="正在加载证件识别模型…")
def ocr_engine():
    """The process-wide RapidOCR engine for the automatic ID card check."""
    return ocr.ocr_engine()
