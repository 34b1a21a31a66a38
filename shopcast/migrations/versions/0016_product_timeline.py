"""commerce: the creator's product catalogue, live product pins, and each asset's product timeline

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.add_column(sa.Column("products", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "catalogue_products",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("price", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("image_url", sa.String(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_catalogue_products_owner_id_users"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_products")),
        sa.UniqueConstraint("owner_id", "sku", name=op.f("uq_catalogue_products_owner_id")),
    )  # fmt: skip
    op.create_index(op.f("ix_catalogue_products_owner_id"), "catalogue_products", ["owner_id"])
    op.create_table(
        "product_pins",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("stream_id", sa.String(length=32), nullable=False),
        sa.Column("pinned_by", sa.String(length=32), nullable=True),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("price", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("image_url", sa.String(length=2000), nullable=True),
        sa.Column("start_at", sa.Float(), nullable=False),
        sa.Column("end_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["stream_id"], ["live_streams.id"], name=op.f("fk_product_pins_stream_id_live_streams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pinned_by"], ["users.id"], name=op.f("fk_product_pins_pinned_by_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_pins")),
    )  # fmt: skip
    op.create_index(op.f("ix_product_pins_stream_id"), "product_pins", ["stream_id"])


def downgrade() -> None:
    op.drop_table("product_pins")
    op.drop_table("catalogue_products")
    with op.batch_alter_table("assets") as batch:
        batch.drop_column("products")
