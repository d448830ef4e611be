"""TOTP secrets sealed at rest (issue 12 item 6): widen users.totp_secret and seal the plain secrets in it

Sealing needs the key ring when the migration runs: TOTP_KEYS, or outside production the instance folder's
key file, made on first use (app/totp_keys.py). In production `flask db upgrade` refuses to start without
TOTP_KEYS, so no secret is sealed under a key that is not kept. Downgrade opens them again (same keys needed).

Revision ID: 5e0c7a2b91d4
Revises: 75d7aefbffad
Create Date: 2026-12-02 16:40:00

"""

import sqlalchemy as sa
from alembic import op

from app import totp_keys

# revision identifiers, used by Alembic.
revision = "5e0c7a2b91d4"
down_revision = "75d7aefbffad"
branch_labels = None
depends_on = None

USERS = sa.table("users", sa.column("id", sa.Integer), sa.column("totp_secret", sa.String))


def _rewrite(change) -> None:
    """Apply `change` to every stored secret, row by row, in the migration's transaction."""
    bind = op.get_bind()
    rows = bind.execute(sa.select(USERS.c.id, USERS.c.totp_secret).where(USERS.c.totp_secret.is_not(None))).all()
    for user_id, stored in rows:
        new = change(stored)
        if new != stored:
            bind.execute(sa.update(USERS).where(USERS.c.id == user_id).values(totp_secret=new))


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret", existing_type=sa.String(length=64), type_=sa.String(length=255), existing_nullable=True
        )
    ring = totp_keys.key_ring()
    _rewrite(lambda stored: stored if totp_keys.is_sealed(stored) else ring.seal(stored))


def downgrade():
    ring = totp_keys.key_ring()
    _rewrite(lambda stored: ring.open(stored) if totp_keys.is_sealed(stored) else stored)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret", existing_type=sa.String(length=255), type_=sa.String(length=64), existing_nullable=True
        )
