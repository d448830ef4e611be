"""Session origin: where each sign-in came from, so an admin can tell a user's sessions apart and end one

Issue 12 item 5 (ASVS 7.4.5): the admin's user page lists a user's sessions with the client address and user agent
they were created from. Both are written once, when the session starts. Nullable: sessions live at most 12 hours,
and those already open when this runs show "not recorded".

Revision ID: 8e79124e04c0
Revises: 5e0c7a2b91d4
Create Date: 2026-12-02 16:30:47.254469

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8e79124e04c0"
down_revision = "5e0c7a2b91d4"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("user_sessions", sa.Column("client_addr", sa.String(length=45), nullable=True))
    op.add_column("user_sessions", sa.Column("user_agent", sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_column("user_agent")
        batch_op.drop_column("client_addr")
