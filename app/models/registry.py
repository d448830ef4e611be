"""The registry: missions, the people accredited to them, their cards and their vehicles (SPEC §2)."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, orm
from sqlalchemy.orm import Mapped, mapped_column

from app.immunity.codes import (
    CardIssuer,
    CardStatus,
    CardType,
    Category,
    MissionKind,
    PersonStatus,
    Relationship,
    VehicleStatus,
)
from app.models.base import Model, UTCDateTime, code_enum, utcnow


class Mission(Model):
    __tablename__ = "missions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # SPEC §2: an international organization may have none; every other kind must (app.registry.columns).
    country: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[MissionKind] = mapped_column(code_enum(MissionKind, "mission_kind"))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(2))
    # OFM's own two-letter plate code; never an ISO code (facts §3).
    plate_code: Mapped[str | None] = mapped_column(String(2), index=True)
    special_bilateral: Mapped[bool] = mapped_column(Boolean, default=False)

    persons: Mapped[list["Person"]] = orm.relationship(back_populates="mission")


class Person(Model):
    __tablename__ = "persons"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    mission_id: Mapped[str] = mapped_column(ForeignKey("missions.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    photo_file: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    nationality: Mapped[str | None] = mapped_column(String(100))
    category: Mapped[Category] = mapped_column(code_enum(Category, "category"))
    title: Mapped[str | None] = mapped_column(String(200))
    # "relationship" is the registry's word; SQLAlchemy's function is used as orm.relationship.
    relationship: Mapped[Relationship] = mapped_column(code_enum(Relationship, "relationship"))
    principal_id: Mapped[str | None] = mapped_column(ForeignKey("persons.id"), index=True)
    us_national_or_lpr: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[PersonStatus] = mapped_column(code_enum(PersonStatus, "person_status"))
    accredited_from: Mapped[date | None] = mapped_column(Date)
    accredited_until: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    mission: Mapped[Mission] = orm.relationship(back_populates="persons")
    principal: Mapped["Person | None"] = orm.relationship(remote_side=[id])
    cards: Mapped[list["Card"]] = orm.relationship(back_populates="person", order_by="Card.issued_on.desc()")


class Card(Model):
    __tablename__ = "cards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_number: Mapped[str] = mapped_column(String(20), unique=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), index=True)
    card_type: Mapped[CardType] = mapped_column(code_enum(CardType, "card_type"))
    issuer: Mapped[CardIssuer] = mapped_column(code_enum(CardIssuer, "card_issuer"))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    status: Mapped[CardStatus] = mapped_column(code_enum(CardStatus, "card_status"))
    # A reprint raises this: every token issued before it stops verifying (qr-tokens.md).
    min_valid_iat: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = orm.relationship(back_populates="cards")


class Vehicle(Model):
    __tablename__ = "vehicles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plate: Mapped[str] = mapped_column(String(10), unique=True)  # canonical form, app.plates.normalise
    mission_id: Mapped[str] = mapped_column(ForeignKey("missions.id"), index=True)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("persons.id"), index=True)
    make: Mapped[str | None] = mapped_column(String(50))
    model: Mapped[str | None] = mapped_column(String(50))
    colour: Mapped[str | None] = mapped_column(String(30))
    year: Mapped[int | None] = mapped_column(Integer)
    registration_expires: Mapped[date | None] = mapped_column(Date)
    status: Mapped[VehicleStatus] = mapped_column(code_enum(VehicleStatus, "vehicle_status"))

    mission: Mapped[Mission] = orm.relationship()
    person: Mapped[Person | None] = orm.relationship()


class RegistryLoad(Model):
    """One import or seed of the registry; the newest one is the 'data as of' time shown on every result."""

    __tablename__ = "registry_loads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    source: Mapped[str] = mapped_column(String(200))
    missions: Mapped[int] = mapped_column(Integer)
    persons: Mapped[int] = mapped_column(Integer)
    cards: Mapped[int] = mapped_column(Integer)
    vehicles: Mapped[int] = mapped_column(Integer)
