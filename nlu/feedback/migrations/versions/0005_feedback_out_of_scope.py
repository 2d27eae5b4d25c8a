"""Feedback can say a message is out of scope (until now a missing correct_intent could
only mean "no correction given").

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("out_of_scope", sa.Boolean, nullable=False,
                                   server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("out_of_scope")
