"""transcode: highlight proposals of an asset; publisher: channels that take accepted highlights

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_STATES = sa.Enum("proposed", "accepted", "dismissed", name="highlightstate", native_enum=False, length=16)


def upgrade() -> None:
    op.create_table(
        "highlights",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("asset_id", sa.String(32), sa.ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("end_s", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("product", sa.JSON(), nullable=True),
        sa.Column("state", _STATES, nullable=False),
        sa.Column("clip_id", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_highlights_asset_id", "highlights", ["asset_id"])
    op.create_index("ix_highlights_owner_id", "highlights", ["owner_id"])
    op.create_index("ix_highlights_clip_id", "highlights", ["clip_id"])
    with op.batch_alter_table("channels") as batch:
        batch.add_column(
            sa.Column("auto_publish_highlights", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("auto_publish_highlights")
    op.drop_table("highlights")
