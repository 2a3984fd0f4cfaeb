"""Thin Streamlit pages; domain rules live in `portal/`."""
