"""ingest: restream destinations of live streams, and the ones a creator saves for every new stream

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_STATES = sa.Enum(
    "idle", "connecting", "live", "retrying", "failed", name="pushstate", native_enum=False, length=16
)


def upgrade() -> None:
    op.create_table(
        "restream_destinations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("stream_id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url_sealed", sa.Text(), nullable=False),
        sa.Column("url_masked", sa.String(length=2100), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("state", _STATES, nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("reconnects", sa.Integer(), nullable=False),
        sa.Column("kbps", sa.Float(), nullable=True),
        sa.Column("live_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["stream_id"], ["live_streams.id"],
            name=op.f("fk_restream_destinations_stream_id_live_streams"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"],
            name=op.f("fk_restream_destinations_owner_id_users"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_restream_destinations")),
    )  # fmt: skip
    op.create_index(op.f("ix_restream_destinations_stream_id"), "restream_destinations", ["stream_id"])
    op.create_index(op.f("ix_restream_destinations_owner_id"), "restream_destinations", ["owner_id"])
    op.create_table(
        "saved_restream_destinations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url_sealed", sa.Text(), nullable=False),
        sa.Column("url_masked", sa.String(length=2100), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"],
            name=op.f("fk_saved_restream_destinations_owner_id_users"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_restream_destinations")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_saved_restream_destinations_owner_id"), "saved_restream_destinations", ["owner_id"]
    )


def downgrade() -> None:
    op.drop_table("saved_restream_destinations")
    op.drop_table("restream_destinations")
