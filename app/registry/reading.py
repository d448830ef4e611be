"""Reading an interchange folder: every row of the four CSV files checked, every problem collected.

Problems carry the file and the physical line (the header is line 1). Line 0 means the file as a
whole: a missing file, or a row that is absent from the file but cannot be removed.
"""

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import click

from app.immunity.codes import Relationship
from app.registry import photos
from app.registry.columns import CARDS, FILES, MISSIONS, PERSONS, VEHICLES, BadValue, Column, FileSpec, shown


@dataclass(frozen=True, order=True)
class Problem:
    file_index: int
    line: int
    sequence: int
    message: str = field(compare=False)
    file: str = field(compare=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class Problems:
    """Problems in the order a reader wants them: by file, then by line."""

    def __init__(self) -> None:
        self._items: list[Problem] = []

    def add(self, spec: FileSpec, line: int, message: str) -> None:
        self._items.append(Problem(FILES.index(spec), line, len(self._items), message, spec.name))

    def __bool__(self) -> bool:
        return bool(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def sorted(self) -> list[str]:
        return [str(p) for p in sorted(self._items)]


@dataclass
class Row:
    line: int
    values: dict[str, Any]  # model attribute -> value, only the values that were read without a problem


@dataclass
class FileRows:
    spec: FileSpec
    rows: dict[Any, Row] = field(default_factory=dict)  # by key
    readable: bool = True  # False when the header or the CSV itself was broken: its keys are unknown


@dataclass
class Folder:
    """A checked folder: rows by key for each file, and each person's photo."""

    files: dict[str, FileRows]
    photos: dict[str, photos.PhotoSource]

    def rows(self, spec: FileSpec) -> dict[Any, Row]:
        return self.files[spec.name].rows


class _Bar(Protocol):
    def update(self, n_steps: int) -> None: ...


class _NoBar:
    def update(self, n_steps: int) -> None:
        pass


@contextmanager
def progress_bar(enabled: bool, length: int, label: str) -> Iterator[_Bar]:
    if not enabled:
        yield _NoBar()
        return
    with click.progressbar(length=length, label=label) as bar:
        yield bar


def read_folder(folder: Path, progress: bool = False) -> tuple[Folder, Problems]:
    """Read and check the four files; the folder is usable only when no problem was found."""
    problems = Problems()
    files = {spec.name: _read_file(folder, spec, problems, progress) for spec in FILES}
    result = Folder(files, {})
    _check_persons(result, folder, problems)
    _check_cards(result, problems)
    _check_vehicles(result, problems)
    return result, problems


def _decode(path: Path, spec: FileSpec, problems: Problems) -> str | None:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")  # a spreadsheet's byte-order mark is harmless
    except UnicodeDecodeError as error:
        problems.add(spec, data[: error.start].count(b"\n") + 1, "not valid UTF-8")
        return None


def _read_header(reader: Any, spec: FileSpec, problems: Problems) -> list[Column] | None:
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        problems.add(spec, 1, f"empty file: expected the header row {','.join(spec.header)}")
        return None
    by_name = {c.name: c for c in spec.columns}
    ok = True
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.add(spec, 1, f"column '{shown(name)}' appears twice")
            ok = False
        elif name not in by_name:
            problems.add(spec, 1, f"unknown column '{shown(name)}'")
            ok = False
        seen.add(name)
    for column in spec.columns:
        if column.required and column.name not in seen:
            problems.add(spec, 1, f"missing column '{column.name}'")
            ok = False
    return [by_name[name] for name in header] if ok else None


def _read_file(folder: Path, spec: FileSpec, problems: Problems, progress: bool) -> FileRows:
    result = FileRows(spec)
    path = folder / spec.name
    if not path.is_file():
        problems.add(spec, 0, "file not found in the registry folder")
        result.readable = False
        return result
    text = _decode(path, spec, problems)
    if text is None:
        result.readable = False
        return result
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    columns = _read_header(reader, spec, problems)
    if columns is None:
        result.readable = False
        return result
    absent = [c for c in spec.columns if c not in columns]
    key_lines: dict[Any, int] = {}
    with progress_bar(progress, text.count("\n") + 1, f"checking {spec.name}") as bar:
        previous = reader.line_num
        try:
            for record in reader:
                line = previous + 1
                bar.update(reader.line_num - previous)
                previous = reader.line_num
                if not any(value.strip() for value in record):
                    continue  # blank line
                if len(record) != len(columns):
                    problems.add(spec, line, f"expected {len(columns)} values, found {len(record)}")
                    continue
                values = _read_values(spec, line, zip(columns, record, strict=True), absent, problems)
                key_attribute = spec.key_attribute
                if key_attribute not in values:
                    continue
                key = values[key_attribute]
                if key in key_lines:
                    problems.add(spec, line, f"duplicate {spec.key} '{shown(str(key))}' (also line {key_lines[key]})")
                    continue
                key_lines[key] = line
                result.rows[key] = Row(line, values)
        except csv.Error as error:
            problems.add(spec, reader.line_num, f"not readable as CSV: {error}")
            result.readable = False
    return result


def _read_values(spec: FileSpec, line: int, cells: Any, absent: list[Column], problems: Problems) -> dict[str, Any]:
    values: dict[str, Any] = {c.attribute: c.empty for c in absent}
    empty_required: list[Column] = []
    for column, cell in cells:
        raw = cell.strip()
        if not raw:
            if column.required and column.empty_allowed is None:
                problems.add(spec, line, f"missing {column.name}")
            else:
                values[column.attribute] = column.empty
                if column.required:
                    empty_required.append(column)
            continue
        if not raw.isprintable():
            problems.add(spec, line, f"{column.name} contains a control character or line break")
            continue
        try:
            value = column.parse(column.name, raw)
        except BadValue as error:
            problems.add(spec, line, str(error))
            continue
        limit = spec.max_length(column)
        if limit is not None and isinstance(value, str) and len(value) > limit:
            problems.add(spec, line, f"{column.name} is longer than {limit} characters")
            continue
        values[column.attribute] = value
    for column in empty_required:
        # Decided once the whole row is read: whether it may be empty depends on the row's other values.
        if column.empty_allowed is not None and not column.empty_allowed(values):
            problems.add(spec, line, f"missing {column.name}")
            del values[column.attribute]
    return values


def _refers(
    source: FileSpec, row: Row, attribute: str, target: FileRows, problems: Problems, column: str | None = None
) -> bool:
    """Check that a row's reference names a row of the target file; True when it does."""
    value = row.values.get(attribute)
    if value is None:
        return False
    if value in target.rows:
        return True
    if target.readable:
        problems.add(source, row.line, f"{column or attribute} '{shown(str(value))}' is not in {target.spec.name}")
    return False


def _check_order(spec: FileSpec, row: Row, first: str, then: str, problems: Problems) -> None:
    start, end = row.values.get(first), row.values.get(then)
    if start is not None and end is not None and end < start:
        problems.add(spec, row.line, f"{then} {end.isoformat()} is before {first} {start.isoformat()}")


def _check_persons(folder: Folder, root: Path, problems: Problems) -> None:
    missions, persons = folder.files[MISSIONS.name], folder.files[PERSONS.name]
    for person_id, row in persons.rows.items():
        _refers(PERSONS, row, "mission_id", missions, problems)
        _check_order(PERSONS, row, "accredited_from", "accredited_until", problems)
        _check_principal(row, persons, problems)
        relative = row.values.get("photo_file")
        if relative is not None:
            try:
                folder.photos[person_id] = photos.check_source(root, relative)
            except BadValue as error:
                problems.add(PERSONS, row.line, str(error))


def _check_principal(row: Row, persons: FileRows, problems: Problems) -> None:
    """Family members name their sponsor, who is a principal of the same mission; principals name nobody."""
    relationship = row.values.get("relationship")
    principal_id = row.values.get("principal_id")
    if relationship is None:
        return
    if relationship == Relationship.PRINCIPAL:
        if principal_id is not None:
            problems.add(PERSONS, row.line, "a principal has no principal_id")
        return
    if principal_id is None:
        problems.add(PERSONS, row.line, f"a family member ({relationship.value}) needs a principal_id")
        return
    if not _refers(PERSONS, row, "principal_id", persons, problems):
        return
    sponsor = persons.rows[principal_id]
    sponsor_relationship = sponsor.values.get("relationship")
    if sponsor_relationship is not None and sponsor_relationship != Relationship.PRINCIPAL:
        problems.add(
            PERSONS, row.line, f"principal_id '{principal_id}' is a {sponsor_relationship.value}, not a principal"
        )
    mission_id, sponsor_mission_id = row.values.get("mission_id"), sponsor.values.get("mission_id")
    if mission_id and sponsor_mission_id and mission_id != sponsor_mission_id:
        problems.add(
            PERSONS,
            row.line,
            f"principal_id '{principal_id}' belongs to mission '{sponsor_mission_id}', not '{mission_id}'",
        )


def _check_cards(folder: Folder, problems: Problems) -> None:
    persons = folder.files[PERSONS.name]
    for row in folder.rows(CARDS).values():
        _refers(CARDS, row, "person_id", persons, problems)
        _check_order(CARDS, row, "issued_on", "expires_on", problems)


def _check_vehicles(folder: Folder, problems: Problems) -> None:
    missions, persons = folder.files[MISSIONS.name], folder.files[PERSONS.name]
    for row in folder.rows(VEHICLES).values():
        _refers(VEHICLES, row, "mission_id", missions, problems)
        _refers(VEHICLES, row, "person_id", persons, problems)
