"""Shared kernel: settings, time, text normalisation, crypto, errors, the acting user.

Imports nothing from portal or db.
"""
