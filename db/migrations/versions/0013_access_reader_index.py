"""personal_data_access: an index by reader and time (a list's repeated views within minutes are logged once)

Revision ID: 0013_access_reader_index
Revises: 0012_national_scale_indexes
Create Date: 2026-12-07 15:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_access_reader_index"
down_revision: str | None = "0012_national_scale_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_personal_data_access_reader", "personal_data_access", ["reader_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_personal_data_access_reader", table_name="personal_data_access")
