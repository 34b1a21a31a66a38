"""publisher: one publication that has not failed per clip (or whole asset) and channel

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_LIVE_CLIP = "state != 'failed' AND clip_id IS NOT NULL"
_LIVE_ASSET = "state != 'failed' AND clip_id IS NULL"

# Concurrent POSTs could create duplicates before this index existed: keep the oldest live one of
# each clip (or asset) and channel, and mark the others failed so that the index can be built.
_FAIL_DUPLICATES = """
UPDATE publications SET state = 'failed', error_code = 'duplicate',
    error_message = 'a duplicate of an older publication of the same clip to the same channel'
WHERE state != 'failed' AND EXISTS (
    SELECT 1 FROM publications AS older
    WHERE older.channel_id = publications.channel_id
      AND older.state != 'failed'
      AND older.id < publications.id
      AND ((publications.clip_id IS NOT NULL AND older.clip_id = publications.clip_id)
        OR (publications.clip_id IS NULL AND older.clip_id IS NULL
            AND older.asset_id = publications.asset_id))
)
"""


def upgrade() -> None:
    op.execute(_FAIL_DUPLICATES)
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.create_index(
            "uq_publications_live_clip",
            ["channel_id", "clip_id"],
            unique=True,
            postgresql_where=sa.text(_LIVE_CLIP),
            sqlite_where=sa.text(_LIVE_CLIP),
        )
        batch_op.create_index(
            "uq_publications_live_asset",
            ["channel_id", "asset_id"],
            unique=True,
            postgresql_where=sa.text(_LIVE_ASSET),
            sqlite_where=sa.text(_LIVE_ASSET),
        )


def downgrade() -> None:
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.drop_index("uq_publications_live_asset")
        batch_op.drop_index("uq_publications_live_clip")
