"""change history encrypted

Revision ID: 0009_change_history
Revises: 0008_token_version
Create Date: 2026-12-02 10:08:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009_change_history'
down_revision: str | None = '0008_token_version'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("old_value", "new_value")


def _convert(*, encrypt: bool) -> None:
    """Encrypt (or, going down, decrypt) every old and new value of the declaration change history."""
    from db.types import EncryptedText

    column_type = EncryptedText()
    bind = op.get_bind()
    dialect = bind.dialect
    process = column_type.process_bind_param if encrypt else column_type.process_result_value
    table = sa.table("declaration_change", sa.column("id", sa.Integer), *(sa.column(c, sa.Text) for c in COLUMNS))
    for row in bind.execute(sa.select(table)).mappings().all():
        values = {c: process(row[c], dialect) for c in COLUMNS if row[c] is not None}
        if values:
            bind.execute(table.update().where(table.c.id == row["id"]).values(**values))


def upgrade() -> None:
    with op.batch_alter_table('declaration_change', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.alter_column(column, existing_type=sa.VARCHAR(length=300), type_=sa.Text(), existing_nullable=True)
    _convert(encrypt=True)


def downgrade() -> None:
    _convert(encrypt=False)
    with op.batch_alter_table('declaration_change', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.alter_column(column, existing_type=sa.Text(), type_=sa.VARCHAR(length=300), existing_nullable=True)
