"""hls outputs

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "hls_outputs",
        sa.Column("asset_id", sa.String(length=32), nullable=False),
        sa.Column("prefix", sa.String(length=200), nullable=False),
        sa.Column("renditions", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name=op.f("fk_hls_outputs_asset_id_assets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("asset_id", name=op.f("pk_hls_outputs")),
    )


def downgrade() -> None:

    op.drop_table("hls_outputs")
