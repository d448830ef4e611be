"""An international organization may have no country: missions.country becomes nullable

SPEC §2: country may be empty for `international_org` only; the import checks the kind
(app.registry.columns), the database only allows the NULL.

Revision ID: 862a7a6082aa
Revises: 69e30e01cfe3
Create Date: 2026-12-02 07:01:53.765786

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "862a7a6082aa"
down_revision = "69e30e01cfe3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("missions", schema=None) as batch_op:
        batch_op.alter_column("country", existing_type=sa.String(length=100), nullable=True)


def downgrade():
    # The older schema needs a value; an empty one is what such an organization had in its folder.
    op.execute("UPDATE missions SET country = '' WHERE country IS NULL")
    with op.batch_alter_table("missions", schema=None) as batch_op:
        batch_op.alter_column("country", existing_type=sa.String(length=100), nullable=False)
