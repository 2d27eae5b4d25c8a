"""Leads can be revoked (their token stops working, their decisions stay) and their
tokens rotated.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("rotated_at", sa.DateTime))
        batch.add_column(sa.Column("revoked_at", sa.DateTime))


def downgrade():
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("rotated_at")
