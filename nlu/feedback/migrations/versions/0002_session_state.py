"""Conversation state as JSON: sessions.misses becomes sessions.state.

The assistant decides what a conversation remembers; the store keeps whatever plain data
it returns.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_sessions = sa.table("sessions", sa.column("misses", sa.Integer), sa.column("state", sa.JSON))


def upgrade():
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("state", sa.JSON, nullable=True))
    rows = op.get_bind().execute(sa.select(_sessions.c.misses).distinct()).scalars().all()
    for misses in rows:
        op.execute(_sessions.update().where(_sessions.c.misses == misses)
                   .values(state={"misses": misses}))
    with op.batch_alter_table("sessions") as batch:
        batch.alter_column("state", existing_type=sa.JSON, nullable=False)
        batch.drop_column("misses")


def downgrade():
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("misses", sa.Integer, nullable=False, server_default="0"))
        batch.drop_column("state")
