"""Wijkwijzer: interventions with their full-text index, experts, requests to the expert pool, help-desk
questions, sessions of the learning network.

The index reads the folded, stemmed words the application writes into `search_title` and `search_body`:
on SQLite an FTS5 table kept in step by triggers, on PostgreSQL a generated, weighted tsvector with a GIN index.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _versioned() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "interventions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("domains", sa.JSON(), nullable=False),
        sa.Column("action_line", sa.Integer(), nullable=True),
        sa.Column("target_group", sa.String(length=200), nullable=False),
        sa.Column("evidence", sa.String(length=20), nullable=False),
        sa.Column("evidence_source", sa.String(length=500), nullable=False),
        sa.Column("cost", sa.String(length=20), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("area_codes", sa.JSON(), nullable=False),
        sa.Column("measure_ids", sa.JSON(), nullable=False),
        sa.Column("example", sa.Boolean(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("search_title", sa.Text(), nullable=False),
        sa.Column("search_body", sa.Text(), nullable=False),
        *_versioned(),
        sa.CheckConstraint("kind IN ('practice', 'faq')", name=op.f("ck_interventions_kind_allowed")),
        sa.CheckConstraint(
            "evidence IN ('effective', 'plausible', 'theoretical', 'unknown')",
            name=op.f("ck_interventions_evidence_allowed"),
        ),
        sa.CheckConstraint(
            "cost IN ('low', 'medium', 'high', 'unknown')", name=op.f("ck_interventions_cost_allowed")
        ),
        sa.CheckConstraint(
            "action_line IS NULL OR action_line IN (1, 2, 3, 4)",
            name=op.f("ck_interventions_action_line_allowed"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interventions")),
    )
    op.create_table(
        "experts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("pool", sa.String(length=20), nullable=False),
        sa.Column("domains", sa.JSON(), nullable=False),
        sa.Column("expertise", sa.Text(), nullable=False),
        sa.Column("availability", sa.String(length=20), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        *_versioned(),
        sa.CheckConstraint(
            "availability IN ('available', 'limited', 'unavailable')",
            name=op.f("ck_experts_availability_allowed"),
        ),
        sa.CheckConstraint("pool IN ('expert', 'flex')", name=op.f("ck_experts_pool_allowed")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experts")),
    )
    op.create_table(
        "support_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("focus_area_id", sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("domain", sa.String(length=40), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("urgency", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("evaluation", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        *_versioned(),
        sa.CheckConstraint(
            "urgency IN ('low', 'normal', 'high')", name=op.f("ck_support_requests_urgency_allowed")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'assigned', 'answered', 'closed')",
            name=op.f("ck_support_requests_status_allowed"),
        ),
        sa.ForeignKeyConstraint(
            ["focus_area_id"], ["focus_areas.id"], name=op.f("fk_support_requests_focus_area_id_focus_areas")
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_support_requests_expert_id_experts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_requests")),
    )
    op.create_table(
        "help_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("focus_area_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("domain", sa.String(length=40), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("asked_by", sa.String(length=80), nullable=False),
        sa.Column("assignee", sa.String(length=80), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("faq_id", sa.Integer(), nullable=True),
        *_versioned(),
        sa.CheckConstraint(
            "category IN ('approach', 'law', 'funding', 'data', 'other')",
            name=op.f("ck_help_questions_category_allowed"),
        ),
        sa.CheckConstraint("status IN ('open', 'answered')", name=op.f("ck_help_questions_status_allowed")),
        sa.ForeignKeyConstraint(
            ["focus_area_id"], ["focus_areas.id"], name=op.f("fk_help_questions_focus_area_id_focus_areas")
        ),
        sa.ForeignKeyConstraint(
            ["faq_id"], ["interventions.id"], name=op.f("fk_help_questions_faq_id_interventions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_questions")),
    )
    op.create_table(
        "learning_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("organisations", sa.JSON(), nullable=False),
        sa.Column("intervention_ids", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        *_versioned(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_sessions")),
    )
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_index()
    else:
        op.execute(
            "ALTER TABLE interventions ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
            "(setweight(to_tsvector('simple', search_title), 'A') || "
            "setweight(to_tsvector('simple', search_body), 'B')) STORED"
        )
        op.execute("CREATE INDEX ix_interventions_search_vector ON interventions USING gin (search_vector)")


def _sqlite_index() -> None:
    # External content: the words live once, in interventions; the triggers keep the index in step.
    op.execute(
        "CREATE VIRTUAL TABLE intervention_search USING fts5(search_title, search_body, "
        "content='interventions', content_rowid='id')"
    )
    op.execute(
        "CREATE TRIGGER interventions_indexed AFTER INSERT ON interventions BEGIN "
        "INSERT INTO intervention_search(rowid, search_title, search_body) "
        "VALUES (new.id, new.search_title, new.search_body); END"
    )
    op.execute(
        "CREATE TRIGGER interventions_unindexed AFTER DELETE ON interventions BEGIN "
        "INSERT INTO intervention_search(intervention_search, rowid, search_title, search_body) "
        "VALUES ('delete', old.id, old.search_title, old.search_body); END"
    )
    op.execute(
        "CREATE TRIGGER interventions_reindexed AFTER UPDATE ON interventions BEGIN "
        "INSERT INTO intervention_search(intervention_search, rowid, search_title, search_body) "
        "VALUES ('delete', old.id, old.search_title, old.search_body); "
        "INSERT INTO intervention_search(rowid, search_title, search_body) "
        "VALUES (new.id, new.search_title, new.search_body); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("interventions_indexed", "interventions_unindexed", "interventions_reindexed"):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE intervention_search")
    op.drop_table("learning_sessions")
    op.drop_table("help_questions")
    op.drop_table("support_requests")
    op.drop_table("experts")
    op.drop_table("interventions")
