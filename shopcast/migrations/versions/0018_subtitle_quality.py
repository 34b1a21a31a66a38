"""transcode: each subtitle track's quality (ok, or draft when Whisper's output looked degenerate)

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subtitle_tracks") as batch:
        batch.add_column(sa.Column("quality", sa.String(length=8), nullable=False, server_default="ok"))


def downgrade() -> None:
    with op.batch_alter_table("subtitle_tracks") as batch:
        batch.drop_column("quality")
