"""Password hashing (bcrypt) and the password policy."""

from __future__ import annotations

import os
import re

import bcrypt

MIN_LENGTH = 8
MAX_LENGTH = 64  # bcrypt reads at most 72 bytes


def hash_password(password: str) -> str:
    """bcrypt hash (cost from PORTAL_BCRYPT_ROUNDS, default 12)."""
    rounds = int(os.environ.get("PORTAL_BCRYPT_ROUNDS", "12"))
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


def check_password(password: str, password_hash: str) -> bool:
    """True when `password` matches `password_hash`."""
    try:
        return bcrypt.checkpw(password.encode(), password_hash.encode())
    except ValueError:
        return False


def policy_problem(password: str, *, username: str = "") -> str | None:
    """Why `password` is not acceptable (Chinese), or None."""
    if len(password) < MIN_LENGTH:
        return f"密码至少 {MIN_LENGTH} 位。"
    if len(password) > MAX_LENGTH:
        return f"密码最多 {MAX_LENGTH} 位。"
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return "密码须同时包含字母和数字。"
    if username and username in password:
        return "密码不能包含账号（手机号）。"
    if any(ord(ch) < 32 for ch in password):
        return "密码不能包含控制字符。"
    return None


# The password hash of an account that has none (created by a first OpenID Connect sign-in): no password
# matches it.
NO_PASSWORD = "!"


def has_password(password_hash: str) -> bool:
    """True when the account has a password one can log in with."""
    return password_hash.startswith("$2")
