"""live streams

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "live_streams",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("stream_key", sa.String(length=64), nullable=False),
        sa.Column("booking_id", sa.String(length=32), nullable=True),
        sa.Column(
            "state",
            sa.Enum("idle", "live", "ended", name="livestate", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("session_id", sa.String(length=32), nullable=True),
        sa.Column("node", sa.String(length=1000), nullable=True),
        sa.Column("health", sa.JSON(), nullable=True),
        sa.Column("asset_id", sa.String(length=32), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name=op.f("fk_live_streams_asset_id_assets"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_live_streams_booking_id_bookings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_live_streams_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_streams")),
        sa.UniqueConstraint("stream_key", name=op.f("uq_live_streams_stream_key")),
    )
    op.create_index(op.f("ix_live_streams_owner_id"), "live_streams", ["owner_id"])
    op.create_index(op.f("ix_live_streams_booking_id"), "live_streams", ["booking_id"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_live_streams_booking_id"), table_name="live_streams")
    op.drop_index(op.f("ix_live_streams_owner_id"), table_name="live_streams")
    op.drop_table("live_streams")
