"""个人中心: the candidate's postal addresses (我的地址). Contact details live on `User`; sex and birth date come from
the verified identity, so no other profile columns are needed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Timestamped


class Address(Timestamped, Base):
    """A postal address for certificates and notices; a user has several and at most one default."""

    __tablename__ = "address"
    __table_args__ = (
        Index(
            "uq_address_default_user",
            "user_id",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
        CheckConstraint("recipient <> ''", name="recipient_not_empty"),
        CheckConstraint("detail <> ''", name="detail_not_empty"),
        CheckConstraint("province_code <> ''", name="province_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(20))
    province_code: Mapped[str] = mapped_column(String(6))
    city_code: Mapped[str] = mapped_column(String(6), default="")
    county_code: Mapped[str] = mapped_column(String(6), default="")
    detail: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(6), default="")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
