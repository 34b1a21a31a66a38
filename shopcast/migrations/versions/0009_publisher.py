"""publisher: channels, their partners, publications, receipts and feed tokens

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channels",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("profile_name", sa.String(length=64), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column(
            "target_type",
            sa.Enum("s3", "https", "pull", name="targettype", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("target", sa.JSON(), nullable=False),
        sa.Column("credentials", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_channels_created_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channels")),
        sa.UniqueConstraint("name", name=op.f("uq_channels_name")),
    )
    op.create_table(
        "channel_partners",
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_partners_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_channel_partners_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("channel_id", "user_id", name=op.f("pk_channel_partners")),
    )
    op.create_table(
        "partner_feed_tokens",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_partner_feed_tokens_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_partner_feed_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_feed_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_partner_feed_tokens_token_hash")),
    )
    with op.batch_alter_table("partner_feed_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_feed_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "publications",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("asset_id", sa.String(length=32), nullable=False),
        sa.Column("clip_id", sa.String(length=32), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "queued",
                "rendering",
                "delivering",
                "delivered",
                "failed",
                name="publicationstate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("fit", sa.String(length=8), nullable=True),
        sa.Column("violations", sa.JSON(), nullable=False),
        sa.Column("render_job_id", sa.String(length=32), nullable=True),
        sa.Column("deliver_job_id", sa.String(length=32), nullable=True),
        sa.Column("output_prefix", sa.String(length=200), nullable=True),
        sa.Column("files", sa.JSON(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name=op.f("fk_publications_asset_id_assets"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_publications_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["clip_id"], ["clips.id"], name=op.f("fk_publications_clip_id_clips"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_publications_created_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["deliver_job_id"],
            ["jobs.id"],
            name=op.f("fk_publications_deliver_job_id_jobs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_publications_owner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["render_job_id"],
            ["jobs.id"],
            name=op.f("fk_publications_render_job_id_jobs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
    )
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publications_asset_id"), ["asset_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_publications_channel_id"), ["channel_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_publications_clip_id"), ["clip_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_publications_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "publication_receipts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("publication_id", sa.String(length=32), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("key", sa.String(length=1000), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("etag", sa.String(length=200), nullable=True),
        sa.Column("sidecars", sa.JSON(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publications.id"],
            name=op.f("fk_publication_receipts_publication_id_publications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication_receipts")),
        sa.UniqueConstraint("publication_id", name=op.f("uq_publication_receipts_publication_id")),
    )


def downgrade() -> None:
    op.drop_table("publication_receipts")
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publications_owner_id"))
        batch_op.drop_index(batch_op.f("ix_publications_clip_id"))
        batch_op.drop_index(batch_op.f("ix_publications_channel_id"))
        batch_op.drop_index(batch_op.f("ix_publications_asset_id"))

    op.drop_table("publications")
    with op.batch_alter_table("partner_feed_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_feed_tokens_user_id"))

    op.drop_table("partner_feed_tokens")
    op.drop_table("channel_partners")
    op.drop_table("channels")
