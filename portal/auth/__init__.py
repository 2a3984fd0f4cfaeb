"""Accounts, login bookkeeping and the acting user (`Actor`)."""
