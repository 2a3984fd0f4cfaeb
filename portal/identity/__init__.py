"""Automatic real-name verification of resident ID card fronts (实名认证)."""
