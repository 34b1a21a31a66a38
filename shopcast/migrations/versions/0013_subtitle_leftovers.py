"""transcode: replaced subtitle versions kept while a render ran, for a sweep to delete

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subtitle_leftovers",
        sa.Column("asset_id", sa.String(length=32), nullable=False),
        sa.Column("prefix", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("kept_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["assets.id"],
            name=op.f("fk_subtitle_leftovers_asset_id_assets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("asset_id", "prefix", "language", name=op.f("pk_subtitle_leftovers")),
    )


def downgrade() -> None:
    op.drop_table("subtitle_leftovers")
