"""token taints and audit checkpoints

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 21:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "token_taints",
        sa.Column("accessor", sa.String(length=64), nullable=False),
        sa.Column("namespace", sa.String(length=600), nullable=False),
        sa.Column("principal_id", sa.String(length=64), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("accessor", name=op.f("pk_token_taints")),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("writer", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("writer", name=op.f("pk_audit_checkpoints")),
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    op.drop_table("token_taints")
