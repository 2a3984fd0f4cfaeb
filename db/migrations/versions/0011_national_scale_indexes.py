"""national scale: indexes for the stale-verdict check (records changed since, cut-off and 将满足 ranges)

Revision ID: national_scale_indexes
Revises: 0010_identity_appeal
Create Date: 2026-12-02 15:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "national_scale_indexes"
down_revision: str | None = "0010_identity_appeal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_declaration_year_updated", "declaration", ["exam_year_id", "updated_at"])
    op.create_index("ix_declaration_verdict_year_cutoff", "declaration_verdict", ["exam_year_id", "cutoff_on"])
    op.create_index(
        "ix_declaration_verdict_year_verdict_judged", "declaration_verdict", ["exam_year_id", "verdict", "judged_on"]
    )


def downgrade() -> None:
    op.drop_index("ix_declaration_verdict_year_verdict_judged", table_name="declaration_verdict")
    op.drop_index("ix_declaration_verdict_year_cutoff", table_name="declaration_verdict")
    op.drop_index("ix_declaration_year_updated", table_name="declaration")
