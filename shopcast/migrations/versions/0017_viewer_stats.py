"""commerce: viewer sessions of the embed player and what each counted once

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "viewer_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("object_kind", sa.String(length=8), nullable=False),
        sa.Column("object_id", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("last_tick", sa.Float(), nullable=True),
        sa.Column("last_at_s", sa.Float(), nullable=True),
        sa.Column("beacons", sa.Integer(), nullable=False),
        sa.Column("watch_s", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_viewer_sessions")),
    )
    op.create_index("ix_viewer_sessions_object", "viewer_sessions", ["object_kind", "object_id"])
    op.create_table(
        "viewer_marks",
        sa.Column("viewer_session_id", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=24), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["viewer_session_id"], ["viewer_sessions.id"],
            name=op.f("fk_viewer_marks_viewer_session_id_viewer_sessions"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("viewer_session_id", "type", "sku", name=op.f("pk_viewer_marks")),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("viewer_marks")
    op.drop_table("viewer_sessions")
