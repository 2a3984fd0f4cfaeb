"""national scale: indexes for the stale-verdict check and the reviewers' identity queue

Revision ID: 0012_national_scale_indexes
Revises: 0011_audit_no_truncate
Create Date: 2026-12-02 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_national_scale_indexes"
down_revision: str | None = "0011_audit_no_truncate"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUEUE = "status = 'pending' AND is_current IS true"


def upgrade() -> None:
    op.create_index("ix_declaration_year_updated", "declaration", ["exam_year_id", "updated_at"])
    op.create_index("ix_declaration_verdict_year_cutoff", "declaration_verdict", ["exam_year_id", "cutoff_on"])
    op.create_index(
        "ix_declaration_verdict_year_verdict_judged", "declaration_verdict", ["exam_year_id", "verdict", "judged_on"]
    )
    for name, columns in (
        ("ix_identity_verification_queue_filters", ["document_type", "region_code", "submitted_at"]),
        ("ix_identity_verification_queue_order", ["submitted_at", "id"]),
    ):
        op.create_index(
            name,
            "identity_verification",
            columns,
            sqlite_where=sa.text(QUEUE),
            postgresql_where=sa.text(QUEUE),
        )


def downgrade() -> None:
    op.drop_index("ix_identity_verification_queue_order", table_name="identity_verification")
    op.drop_index("ix_identity_verification_queue_filters", table_name="identity_verification")
    op.drop_index("ix_declaration_verdict_year_verdict_judged", table_name="declaration_verdict")
    op.drop_index("ix_declaration_verdict_year_cutoff", table_name="declaration_verdict")
    op.drop_index("ix_declaration_year_updated", table_name="declaration")
