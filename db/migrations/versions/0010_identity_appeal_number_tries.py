"""identity: appeals (证件号已被占用申诉), revoked status, per-day number tries, declarations set aside

Revision ID: 0010_identity_appeal
Revises: 0009_change_history
Create Date: 2026-12-02 09:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_identity_appeal"
down_revision: str | None = "0009_change_history"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = "('unverified', 'pending', 'verified', 'rejected', 'withdrawn')"
NEW_STATUSES = "('unverified', 'pending', 'verified', 'rejected', 'withdrawn', 'revoked')"
OPEN = "status IN ('pending', 'awaiting_second')"


def upgrade() -> None:
    with op.batch_alter_table("identity_verification", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_identity_verification_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_identity_verification_status"), f"status IN {NEW_STATUSES}")
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("set_aside_at", sa.DateTime(), nullable=True))
    op.create_table(
        "identity_number_try",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_number_hash", sa.String(length=64), nullable=False),
        sa.Column("tried_on", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_identity_number_try_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_number_try")),
        sa.UniqueConstraint("document_number_hash", "tried_on", "user_id", name="uq_identity_number_try"),
    )
    with op.batch_alter_table("identity_number_try", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_number_try_user_id"), ["user_id"], unique=False)
    op.create_table(
        "identity_appeal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appellant_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("verification_id", sa.Integer(), nullable=False),
        sa.Column("holder_verification_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("statement_enc", sa.Text(), nullable=False),
        sa.Column("front_image_key", sa.String(length=80), nullable=False),
        sa.Column("back_image_key", sa.String(length=80), nullable=False),
        sa.Column("holding_image_key", sa.String(length=80), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("second_reviewer_id", sa.Integer(), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.Column("first_decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'awaiting_second', 'transferred', 'rejected')",
            name=op.f("ck_identity_appeal_status"),
        ),
        sa.CheckConstraint(
            "second_reviewer_id IS NULL OR second_reviewer_id <> decided_by", name=op.f("ck_identity_appeal_four_eyes")
        ),
        sa.ForeignKeyConstraint(
            ["appellant_id"],
            ["user_account.id"],
            name=op.f("fk_identity_appeal_appellant_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"],
            ["user_account.id"],
            name=op.f("fk_identity_appeal_holder_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["verification_id"],
            ["identity_verification.id"],
            name=op.f("fk_identity_appeal_verification_id_identity_verification"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["holder_verification_id"],
            ["identity_verification.id"],
            name=op.f("fk_identity_appeal_holder_verification_id_identity_verification"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user_account.id"], name=op.f("fk_identity_appeal_decided_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["second_reviewer_id"], ["user_account.id"], name=op.f("fk_identity_appeal_second_reviewer_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_appeal")),
    )
    with op.batch_alter_table("identity_appeal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_appeal_appellant_id"), ["appellant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_identity_appeal_holder_id"), ["holder_id"], unique=False)
        batch_op.create_index(
            "uq_identity_appeal_open_appellant",
            ["appellant_id"],
            unique=True,
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        )


def downgrade() -> None:
    op.drop_table("identity_appeal")
    op.drop_table("identity_number_try")
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.drop_column("set_aside_at")
    with op.batch_alter_table("identity_verification", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_identity_verification_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_identity_verification_status"), f"status IN {OLD_STATUSES}")
