"""The interchange folder's four CSV files: their columns, and how each value is read and written (SPEC §2)."""

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import String

from app import plates
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
from app.models import Card, Mission, Person, Vehicle
from app.models.base import Model

# Ids become file names (photos) and URLs, so they are kept to a safe alphabet.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TWO_LETTERS = re.compile(r"[A-Z]{2}")
_YEARS = (1900, 2100)


class BadValue(ValueError):
    """A value that cannot be read; the message names the column and the value."""


def shown(raw: str, limit: int = 40) -> str:
    """A value as quoted in a problem message: short, and without control characters."""
    cut = "".join(c if c.isprintable() else "?" for c in raw[:limit])
    return cut + ("…" if len(raw) > limit else "")


Parser = Callable[[str, str], Any]  # (column name, stripped raw text) -> value


def _text(column: str, raw: str) -> str:
    return raw


def _identifier(column: str, raw: str) -> str:
    if not _ID.fullmatch(raw):
        raise BadValue(
            f"{column} '{shown(raw)}' may only contain letters, digits, '.', '_' and '-' "
            "(starting with a letter or digit)"
        )
    return raw


def _enum(enum: type[StrEnum]) -> Parser:
    def parse(column: str, raw: str) -> StrEnum:
        try:
            return enum(raw)
        except ValueError:
            raise BadValue(f"unknown {column} '{shown(raw)}'") from None

    return parse


def _date(column: str, raw: str) -> date:
    # date.fromisoformat also takes 20240101 and week dates; the format is exactly YYYY-MM-DD.
    if _ISO_DATE.fullmatch(raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise BadValue(f"{column} '{shown(raw)}' is not a date (expected YYYY-MM-DD)")


def _boolean(column: str, raw: str) -> bool:
    if raw in ("true", "false"):
        return raw == "true"
    raise BadValue(f"{column} must be true or false, not '{shown(raw)}'")


def _year(column: str, raw: str) -> int:
    if not raw.isascii() or not raw.isdigit():
        raise BadValue(f"{column} '{shown(raw)}' is not a whole number")
    value = int(raw)
    if not _YEARS[0] <= value <= _YEARS[1]:
        raise BadValue(f"{column} {value} is outside {_YEARS[0]}–{_YEARS[1]}")
    return value


def _two_letters(column: str, raw: str) -> str:
    if not _TWO_LETTERS.fullmatch(raw):
        raise BadValue(f"{column} '{shown(raw)}' must be two capital letters A–Z")
    return raw


def _plate(column: str, raw: str) -> str:
    try:
        return plates.normalise(raw)
    except plates.PlateError as error:
        raise BadValue(f"bad plate '{shown(raw)}': {error}") from None


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class Column:
    """One CSV column: its header name, the model attribute it fills, and how its text is read."""

    name: str
    attribute: str
    parse: Parser = _text
    required: bool = False
    # An empty optional value: None, or this default (booleans are never NULL).
    empty: Any = None
    # For a required column whose value may be empty in some rows: given the row's other values, whether it may.
    empty_allowed: Callable[[dict[str, Any]], bool] | None = None

    def format(self, value: Any) -> str:
        return _format(value)


@dataclass(frozen=True)
class FileSpec:
    """One CSV file of the folder: its columns, the model it loads, and the column that identifies a row."""

    name: str
    model: type[Model]
    key: str  # header name of the identifying column
    columns: tuple[Column, ...]

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    @functools.cached_property
    def key_attribute(self) -> str:
        return next(c.attribute for c in self.columns if c.name == self.key)

    def max_length(self, column: Column) -> int | None:
        return self._max_lengths[column.attribute]

    @functools.cached_property
    def _max_lengths(self) -> dict[str, int | None]:
        """Each column's length limit in the table, looked up once: it is asked for every cell of an import."""
        table_columns = self.model.__table__.c
        return {
            c.attribute: t.length if isinstance(t := table_columns[c.attribute].type, String) else None
            for c in self.columns
        }


def _country_may_be_empty(values: dict[str, Any]) -> bool:
    """SPEC §2: an international organization may have no country (its staff's nationality is on the person).

    A kind that could not be read is reported on its own and says nothing about the country.
    """
    kind = values.get("kind")
    return kind is None or kind is MissionKind.INTERNATIONAL_ORG


MISSIONS = FileSpec(
    "missions.csv",
    Mission,
    "mission_id",
    (
        Column("mission_id", "id", _identifier, required=True),
        Column("name", "name", required=True),
        Column("country", "country", required=True, empty_allowed=_country_may_be_empty),
        Column("kind", "kind", _enum(MissionKind), required=True),
        Column("city", "city"),
        Column("state", "state", _two_letters),
        Column("plate_code", "plate_code", _two_letters),
        Column("special_bilateral", "special_bilateral", _boolean, empty=False),
    ),
)

PERSONS = FileSpec(
    "persons.csv",
    Person,
    "person_id",
    (
        Column("person_id", "id", _identifier, required=True),
        Column("mission_id", "mission_id", _identifier, required=True),
        Column("full_name", "full_name", required=True),
        Column("category", "category", _enum(Category), required=True),
        Column("relationship", "relationship", _enum(Relationship), required=True),
        Column("principal_id", "principal_id", _identifier),
        Column("date_of_birth", "date_of_birth", _date),
        Column("nationality", "nationality"),
        Column("title", "title"),
        Column("us_national_or_lpr", "us_national_or_lpr", _boolean, empty=False),
        Column("status", "status", _enum(PersonStatus), required=True),
        Column("accredited_from", "accredited_from", _date),
        Column("accredited_until", "accredited_until", _date),
        # Read and checked as a path by app.registry.photos; stored as the instance copy's name.
        Column("photo_file", "photo_file"),
    ),
)

CARDS = FileSpec(
    "cards.csv",
    Card,
    "card_number",
    (
        Column("card_number", "card_number", _identifier, required=True),
        Column("person_id", "person_id", _identifier, required=True),
        Column("card_type", "card_type", _enum(CardType), required=True),
        Column("issuer", "issuer", _enum(CardIssuer), required=True),
        Column("issued_on", "issued_on", _date, required=True),
        Column("expires_on", "expires_on", _date, required=True),
        Column("status", "status", _enum(CardStatus), required=True),
    ),
)

VEHICLES = FileSpec(
    "vehicles.csv",
    Vehicle,
    "plate",
    (
        Column("plate", "plate", _plate, required=True),
        Column("mission_id", "mission_id", _identifier, required=True),
        Column("person_id", "person_id", _identifier),
        Column("make", "make"),
        Column("model", "model"),
        Column("colour", "colour"),
        Column("year", "year", _year),
        Column("registration_expires", "registration_expires", _date),
        Column("status", "status", _enum(VehicleStatus), required=True),
    ),
)

# In dependency order: a file only refers to the files before it.
FILES = (MISSIONS, PERSONS, CARDS, VEHICLES)
