"""Resident input: signals, ideas and priorities per area, with a moderation status (issue 8).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resident_inputs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("focus_area_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("domain", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("measure_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('signal', 'idea', 'priority')", name=op.f("ck_resident_inputs_kind_allowed")
        ),
        sa.CheckConstraint(
            "status IN ('waiting', 'published', 'rejected')", name=op.f("ck_resident_inputs_status_allowed")
        ),
        sa.ForeignKeyConstraint(
            ["focus_area_id"], ["focus_areas.id"], name=op.f("fk_resident_inputs_focus_area_id_focus_areas")
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measures.id"], name=op.f("fk_resident_inputs_measure_id_measures")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_inputs")),
    )
    op.create_index(op.f("ix_resident_inputs_area_code"), "resident_inputs", ["area_code"])


def downgrade() -> None:
    op.drop_index(op.f("ix_resident_inputs_area_code"), table_name="resident_inputs")
    op.drop_table("resident_inputs")
