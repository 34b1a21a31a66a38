"""job speed, and jobs made of parts (params, result, parent)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("speed", sa.Float(), nullable=True))
        batch.add_column(sa.Column("parent_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("params", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("result", sa.JSON(), nullable=True))
        batch.create_index(batch.f("ix_jobs_parent_id"), ["parent_id"], unique=False)
        batch.create_foreign_key(
            batch.f("fk_jobs_parent_id_jobs"), "jobs", ["parent_id"], ["id"], ondelete="CASCADE"
        )


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_constraint(batch.f("fk_jobs_parent_id_jobs"), type_="foreignkey")
        batch.drop_index(batch.f("ix_jobs_parent_id"))
        batch.drop_column("result")
        batch.drop_column("params")
        batch.drop_column("parent_id")
        batch.drop_column("speed")
