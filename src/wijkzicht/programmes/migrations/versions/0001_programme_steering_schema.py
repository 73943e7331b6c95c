"""The programme steering schema: organisations, focus areas, alliances, programmes, goals, measures,
progress updates, blockages, experiments, comments, users, the audit log and installation secrets.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("object_type", sa.String(length=30), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "action IN ('create', 'update', 'delete')", name=op.f("ck_audit_log_action_allowed")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_object_id"), ["object_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_object_type"), ["object_type"], unique=False)

    op.create_table(
        "focus_areas",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("gemeente_code", sa.String(length=6), nullable=False),
        sa.Column("gemeente_name", sa.String(length=100), nullable=False),
        sa.Column("wijken", sa.JSON(), nullable=False),
        sa.Column("certainty", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_focus_areas")),
        sa.UniqueConstraint("name", name=op.f("uq_focus_areas_name")),
    )
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("gemeente_code", sa.String(length=6), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
    )
    op.create_table(
        "secrets",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_secrets")),
    )
    op.create_table(
        "alliances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("focus_area_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("chair", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["focus_area_id"], ["focus_areas.id"], name=op.f("fk_alliances_focus_area_id_focus_areas")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alliances")),
        sa.UniqueConstraint("focus_area_id", name=op.f("uq_alliances_focus_area_id")),
    )
    op.create_table(
        "blockages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("focus_area_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("escalation", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "category IN ('law', 'funding', 'capacity', 'cooperation', 'data', 'other')",
            name=op.f("ck_blockages_category_allowed"),
        ),
        sa.CheckConstraint(
            "escalation IN ('local', 'alliance', 'national')", name=op.f("ck_blockages_escalation_allowed")
        ),
        sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f("ck_blockages_status_allowed")),
        sa.CheckConstraint(
            "resolved_on IS NULL OR resolved_on >= raised_on", name=op.f("ck_blockages_dates_in_order")
        ),
        sa.ForeignKeyConstraint(
            ["focus_area_id"], ["focus_areas.id"], name=op.f("fk_blockages_focus_area_id_focus_areas")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["organisations.id"], name=op.f("fk_blockages_owner_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blockages")),
    )
    op.create_table(
        "programmes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("focus_area_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("start_year", sa.Integer(), nullable=False),
        sa.Column("end_year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("document_url", sa.String(length=500), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'adopted', 'running', 'finished')", name=op.f("ck_programmes_status_allowed")
        ),
        sa.CheckConstraint("end_year >= start_year", name=op.f("ck_programmes_period_in_order")),
        sa.ForeignKeyConstraint(
            ["focus_area_id"], ["focus_areas.id"], name=op.f("fk_programmes_focus_area_id_focus_areas")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programmes")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("focus_area_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "(role IN ('partner', 'area_editor')) = (focus_area_id IS NOT NULL)",
            name=op.f("ck_users_area_for_area_roles"),
        ),
        sa.CheckConstraint(
            "role IN ('partner', 'area_editor', 'administrator', 'analyst')",
            name=op.f("ck_users_role_allowed"),
        ),
        sa.ForeignKeyConstraint(
            ["focus_area_id"], ["focus_areas.id"], name=op.f("fk_users_focus_area_id_focus_areas")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_users_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "alliance_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alliance_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alliance_id"], ["alliances.id"], name=op.f("fk_alliance_members_alliance_id_alliances")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_alliance_members_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alliance_members")),
        sa.UniqueConstraint("alliance_id", "organisation_id", name=op.f("uq_alliance_members_alliance_id")),
    )
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("focus_area_id", sa.Integer(), nullable=False),
        sa.Column("object_type", sa.String(length=30), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_comments_author_id_users")),
        sa.ForeignKeyConstraint(
            ["focus_area_id"], ["focus_areas.id"], name=op.f("fk_comments_focus_area_id_focus_areas")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    op.create_table(
        "experiments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("legal_basis", sa.String(length=300), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("evaluation", sa.Text(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "status IN ('proposed', 'approved', 'running', 'evaluated', 'stopped')",
            name=op.f("ck_experiments_status_allowed"),
        ),
        sa.CheckConstraint(
            "ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on",
            name=op.f("ck_experiments_dates_in_order"),
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programmes.id"], name=op.f("fk_experiments_programme_id_programmes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiments")),
    )
    op.create_table(
        "goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("indicator", sa.String(length=80), nullable=False),
        sa.Column("subgroup", sa.String(length=20), nullable=False),
        sa.Column("area_code", sa.String(length=10), nullable=False),
        sa.Column("baseline_period", sa.Integer(), nullable=False),
        sa.Column("baseline_value", sa.Double(), nullable=False),
        sa.Column("target_value", sa.Double(), nullable=False),
        sa.Column("target_year", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "reference IN ('gemeente', 'g4', 'nederland')", name=op.f("ck_goals_reference_allowed")
        ),
        sa.CheckConstraint("target_year > baseline_period", name=op.f("ck_goals_target_after_baseline")),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programmes.id"], name=op.f("fk_goals_programme_id_programmes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goals")),
    )
    op.create_table(
        "measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("action_line", sa.Integer(), nullable=False),
        sa.Column("theme", sa.String(length=60), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("partners", sa.Text(), nullable=False),
        sa.Column("budget", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("funding_source", sa.String(length=60), nullable=False),
        sa.Column("ministry", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "status IN ('planned', 'running', 'finished', 'stopped')", name=op.f("ck_measures_status_allowed")
        ),
        sa.CheckConstraint("action_line IN (1, 2, 3, 4)", name=op.f("ck_measures_action_line_allowed")),
        sa.CheckConstraint("budget >= 0", name=op.f("ck_measures_budget_not_negative")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["organisations.id"], name=op.f("fk_measures_owner_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programmes.id"], name=op.f("fk_measures_programme_id_programmes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measures")),
    )
    op.create_table(
        "progress_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=True),
        sa.Column("goal_id", sa.Integer(), nullable=True),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("narrative", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "status IN ('green', 'amber', 'red')", name=op.f("ck_progress_updates_status_allowed")
        ),
        sa.CheckConstraint(
            "(measure_id IS NULL) <> (goal_id IS NULL)", name=op.f("ck_progress_updates_one_subject")
        ),
        sa.ForeignKeyConstraint(["goal_id"], ["goals.id"], name=op.f("fk_progress_updates_goal_id_goals")),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measures.id"], name=op.f("fk_progress_updates_measure_id_measures")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_updates")),
    )


def downgrade() -> None:
    op.drop_table("progress_updates")
    op.drop_table("measures")
    op.drop_table("goals")
    op.drop_table("experiments")
    op.drop_table("comments")
    op.drop_table("alliance_members")
    op.drop_table("users")
    op.drop_table("programmes")
    op.drop_table("blockages")
    op.drop_table("alliances")
    op.drop_table("secrets")
    op.drop_table("organisations")
    op.drop_table("focus_areas")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_object_type"))
        batch_op.drop_index(batch_op.f("ix_audit_log_object_id"))

    op.drop_table("audit_log")
