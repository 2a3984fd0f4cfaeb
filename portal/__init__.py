"""Physician qualification exam pre-registration portal: domain services (no Streamlit here)."""
