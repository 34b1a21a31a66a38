"""thumbnail outputs

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "thumbnail_outputs",
        sa.Column("asset_id", sa.String(length=32), nullable=False),
        sa.Column("prefix", sa.String(length=200), nullable=False),
        sa.Column("poster", sa.JSON(), nullable=False),
        sa.Column("storyboard", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["assets.id"],
            name=op.f("fk_thumbnail_outputs_asset_id_assets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("asset_id", name=op.f("pk_thumbnail_outputs")),
    )


def downgrade() -> None:

    op.drop_table("thumbnail_outputs")
