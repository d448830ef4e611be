"""The registry: missions, persons, cards, vehicles and registry loads

Revision ID: 48208396da83
Revises:
Create Date: 2026-11-23 09:35:06.708142

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "48208396da83"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "missions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "embassy",
                "consulate",
                "io_mission",
                "international_org",
                "tecro",
                "teco",
                name="mission_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=2), nullable=True),
        sa.Column("plate_code", sa.String(length=2), nullable=True),
        sa.Column("special_bilateral", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_missions")),
    )
    with op.batch_alter_table("missions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_missions_plate_code"), ["plate_code"], unique=False)

    op.create_table(
        "registry_loads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("missions", sa.Integer(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("cards", sa.Integer(), nullable=False),
        sa.Column("vehicles", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_loads")),
    )
    with op.batch_alter_table("registry_loads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registry_loads_loaded_at"), ["loaded_at"], unique=False)

    op.create_table(
        "persons",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("mission_id", sa.String(length=32), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("photo_file", sa.String(length=200), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("nationality", sa.String(length=100), nullable=True),
        sa.Column(
            "category",
            sa.Enum(
                "diplomatic_agent",
                "admin_technical_staff",
                "service_staff",
                "career_consular_officer",
                "honorary_consular_officer",
                "consular_employee",
                "consular_service_staff",
                "io_staff",
                "io_senior_official",
                "io_mission_diplomatic",
                "io_mission_support_staff",
                "tecro_designated",
                "teco_head",
                "teco_designated",
                "none",
                name="category",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column(
            "relationship",
            sa.Enum(
                "principal",
                "spouse",
                "child",
                "other_family",
                name="relationship",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("principal_id", sa.String(length=32), nullable=True),
        sa.Column("us_national_or_lpr", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active", "departed", "terminated", name="person_status", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("accredited_from", sa.Date(), nullable=True),
        sa.Column("accredited_until", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["mission_id"], ["missions.id"], name=op.f("fk_persons_mission_id_missions")),
        sa.ForeignKeyConstraint(["principal_id"], ["persons.id"], name=op.f("fk_persons_principal_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
    )
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_persons_mission_id"), ["mission_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_persons_principal_id"), ["principal_id"], unique=False)

    op.create_table(
        "cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_number", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column(
            "card_type",
            sa.Enum("diplomatic", "official", "consular", name="card_type", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "issuer",
            sa.Enum("protocol", "usun", "ait", name="card_issuer", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("valid", "revoked", "lost", name="card_status", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("min_valid_iat", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_cards_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cards")),
        sa.UniqueConstraint("card_number", name=op.f("uq_cards_card_number")),
    )
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cards_person_id"), ["person_id"], unique=False)

    op.create_table(
        "vehicles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plate", sa.String(length=10), nullable=False),
        sa.Column("mission_id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=True),
        sa.Column("make", sa.String(length=50), nullable=True),
        sa.Column("model", sa.String(length=50), nullable=True),
        sa.Column("colour", sa.String(length=30), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("registration_expires", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("active", "expired", "recalled", name="vehicle_status", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["mission_id"], ["missions.id"], name=op.f("fk_vehicles_mission_id_missions")),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_vehicles_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
        sa.UniqueConstraint("plate", name=op.f("uq_vehicles_plate")),
    )
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vehicles_mission_id"), ["mission_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vehicles_person_id"), ["person_id"], unique=False)


def downgrade():
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vehicles_person_id"))
        batch_op.drop_index(batch_op.f("ix_vehicles_mission_id"))

    op.drop_table("vehicles")
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cards_person_id"))

    op.drop_table("cards")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_persons_principal_id"))
        batch_op.drop_index(batch_op.f("ix_persons_mission_id"))

    op.drop_table("persons")
    with op.batch_alter_table("registry_loads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_loads_loaded_at"))

    op.drop_table("registry_loads")
    with op.batch_alter_table("missions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_missions_plate_code"))

    op.drop_table("missions")
