"""Streamlit helpers shared by the pages (engine, sessions, the acting user, errors)."""
