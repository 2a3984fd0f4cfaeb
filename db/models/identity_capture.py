"""One-time tokens of the live card scanner (证件扫描): each used token is stored once, so a replay is refused."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Timestamped


class IdentityCaptureUse(Timestamped, Base):
    """A capture token that has been presented (its MAC only; the token itself is never stored)."""

    __tablename__ = "identity_capture_use"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
