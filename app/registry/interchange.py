"""Registry interchange (SPEC §2): import a folder of four CSV files all or nothing, and export one.

The folder is the whole registry: an import makes the tables match it, adding, changing and
removing rows matched on their ids, in one transaction. Rows that already match are not written,
so re-importing the same folder changes nothing, and a RegistryLoad is recorded only when
something changed. Photos are copied into `<instance>/photos/` under content-addressed names.
"""

import csv
import os
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import DBAPIError

from app.audit import service as audit
from app.extensions import db
from app.models import RegistryLoad
from app.models.base import utcnow
from app.registry import auditing, photos
from app.registry.columns import FILES, PERSONS, FileSpec
from app.registry.counts import LoadCounts
from app.registry.reading import Folder, read_folder
from app.registry.sync import Plan, apply, blocked_deletes, plan

MAX_PROBLEMS = 200

__all__ = ["ExportFailed", "ImportFailed", "LoadCounts", "export_folder", "import_folder", "registry_counts"]


class ImportFailed(Exception):
    """The folder was rejected and nothing changed; each problem reads `FILE:LINE: message`."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


class ExportFailed(Exception):
    """The registry could not be exported; the message is for the operator."""


def _capped(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    return [*problems[:MAX_PROBLEMS], f"… and {len(problems) - MAX_PROBLEMS} more"]


def _store_photo_names(folder: Folder) -> None:
    """Replace each photo_file path of the folder with the name its copy gets in the instance folder."""
    for person_id, row in folder.rows(PERSONS).items():
        source = folder.photos.get(person_id)
        row.values["photo_file"] = source.stored_name(person_id) if source else None


def _install_photos(folder: Folder, instance_path: Path) -> list[str]:
    written: list[str] = []
    try:
        for person_id, source in folder.photos.items():
            name = source.stored_name(person_id)
            if photos.install(instance_path, source, name):
                written.append(name)
    except BaseException:
        photos.remove(instance_path, written)
        raise
    return written


def _counts(folder: Folder) -> LoadCounts:
    return LoadCounts(*(len(folder.rows(spec)) for spec in FILES))


def import_folder(folder: Path, instance_path: Path, progress: bool = False) -> LoadCounts:
    """Make the registry match the folder, all or nothing; returns how many rows of each kind it now holds.

    Raises ImportFailed with every problem found (capped at MAX_PROBLEMS); the database and the
    photos are then as they were. Audited as `registry.import`: a successful import's event commits
    in the import's own transaction (no import without its event); a rejected one (with its number
    of problems) or a failed one (with the error's type) is recorded after the rollback.
    """
    detail: dict[str, object] = {"folder": auditing.folder_name(folder)}
    try:
        return _import(folder, instance_path, progress, detail)
    except ImportFailed as failure:
        auditing.record_unsuccessful(auditing.IMPORT, "rejected", {**detail, "problems": len(failure.problems)})
        raise
    except Exception as error:
        auditing.record_unsuccessful(auditing.IMPORT, "failed", {**detail, "error": type(error).__name__})
        raise


def _import(folder: Path, instance_path: Path, progress: bool, detail: dict[str, object]) -> LoadCounts:
    """The import itself; it adds what it has read to `detail`, so a rejection's event can say it too."""
    checked, problems = read_folder(folder, progress)
    detail["files_read"] = _files_read(folder, checked)
    if problems:
        raise ImportFailed(_capped(problems.sorted()))
    _store_photo_names(checked)
    counts = _counts(checked)
    now = utcnow()
    try:
        changes = plan(checked, now)
        blocked = blocked_deletes(changes)
    except BaseException:
        db.session.rollback()
        raise
    if blocked:
        db.session.rollback()
        raise ImportFailed(_capped(blocked.sorted()))
    try:
        written = _install_photos(checked, instance_path)
    except photos.PhotoChanged as error:
        db.session.rollback()
        raise ImportFailed([str(error)]) from error
    except BaseException:
        db.session.rollback()
        raise
    try:
        if changes.changes:
            apply(changes, progress)
            db.session.add(RegistryLoad(loaded_at=now, source=_source_name(folder), **vars(counts)))
        audit.record(auditing.IMPORT, "ok", detail=_imported(detail, counts, changes, written))
        db.session.commit()
    except DBAPIError as error:
        db.session.rollback()
        photos.remove(instance_path, written)
        first_line = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        raise ImportFailed([f"the database refused the import: {first_line}"]) from error
    except BaseException:
        db.session.rollback()
        photos.remove(instance_path, written)
        raise
    photos.remove(instance_path, _unreferenced(changes))
    if progress:
        _echo_summary(changes)
    return counts


def _files_read(folder: Path, checked: Folder) -> dict[str, int]:
    """How many of the four CSV files the folder holds, and how many photos passed their checks."""
    return {"csv": sum((folder / spec.name).is_file() for spec in FILES), "photos": len(checked.photos)}


def _imported(detail: dict[str, object], counts: LoadCounts, changes: Plan, written: list[str]) -> dict[str, object]:
    """A successful import's audit detail: the folder, files read and photos copied, rows and changes per kind."""
    return {
        **detail,
        "photos_copied": len(written),
        "rows": vars(counts),
        "changes": {
            spec.name.removesuffix(".csv"): {
                "added": len(changes[spec].inserts),
                "changed": len(changes[spec].updates),
                "removed": len(changes[spec].deletes),
            }
            for spec in FILES
        },
    }


def _source_name(folder: Path) -> str:
    resolved = folder.resolve()
    return (resolved.name or str(resolved))[:200]


def _unreferenced(changes: Plan) -> list[str]:
    still_used = {p["photo_file"] for p in changes[PERSONS].inserts + changes[PERSONS].updates}
    return [name for name in changes[PERSONS].replaced_photos if name not in still_used]


def _echo_summary(changes: Plan) -> None:
    if not changes.changes:
        click.echo("no changes: the registry already matches the folder")
        return
    for spec in FILES:
        click.echo(changes[spec].summary())


def _rows(connection: Connection, spec: FileSpec) -> list[dict[str, Any]]:
    attributes = [c.attribute for c in spec.columns]
    statement = select(*(getattr(spec.model, a) for a in attributes))
    rows = [dict(row) for row in connection.execute(statement).mappings()]
    # Sorted here, not by the database: collations differ between SQLite and PostgreSQL.
    return sorted(rows, key=lambda row: row[spec.key_attribute])


def _private_file(path: Path) -> int:
    """A new file only its owner can read (0600 whatever the umask): an export holds personal data."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)


def _write_csv(path: Path, spec: FileSpec, rows: list[dict[str, Any]]) -> None:
    with open(_private_file(path), "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(spec.header)
        for row in rows:
            writer.writerow([column.format(row[column.attribute]) for column in spec.columns])


def export_folder(folder: Path, instance_path: Path) -> LoadCounts:
    """Write the registry as an interchange folder (the four CSV files and photos/) that imports back exactly.

    The folder must be new or empty: an export holds personal data, and a stale file left from
    an earlier one would be taken for part of this one. Raises ExportFailed and writes nothing
    when the folder is not empty or a photo is missing from the instance folder. Audited as
    `registry.export` once written (files written, rows of each kind), and when refused or failed.
    """
    detail: dict[str, object] = {"folder": auditing.folder_name(folder)}
    existed = folder.exists()
    try:
        counts, pictures = _export(folder, instance_path)
    except ExportFailed:
        auditing.record_unsuccessful(auditing.EXPORT, "refused", detail)
        raise
    except Exception as error:
        auditing.record_unsuccessful(auditing.EXPORT, "failed", {**detail, "error": type(error).__name__})
        raise
    files = {"csv": len(FILES), "photos": len(pictures)}
    try:
        audit.record_now(auditing.EXPORT, "ok", detail={**detail, "files_written": files, "rows": vars(counts)})
    except Exception as error:
        # Personal data nobody can trace must not stay on disk: take back what this export wrote.
        _remove_export(folder, pictures, remove_folder=not existed)
        raise ExportFailed("the audit trail could not record the export, so its files were removed") from error
    return counts


def _remove_export(folder: Path, pictures: list[str], remove_folder: bool) -> None:
    """Delete the files an export wrote into its (then empty) folder, and the folder when the export made it."""
    for name in [*pictures, *(spec.name for spec in FILES)]:
        (folder / name).unlink(missing_ok=True)
    if pictures:
        (folder / photos.PHOTO_DIR).rmdir()
    if remove_folder:
        folder.rmdir()


def _export(folder: Path, instance_path: Path) -> tuple[LoadCounts, list[str]]:
    """The export itself; returns the rows of each kind and the folder-relative names of the photos it wrote."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ExportFailed(f"{folder} is not an empty folder; export into a new or empty one")
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # One snapshot for the four reads, so a concurrent import cannot split the export.
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            data = {spec.name: _rows(connection, spec) for spec in FILES}
    pictures: list[tuple[Path, str]] = []
    missing: list[str] = []
    for person in data[PERSONS.name]:
        stored = person["photo_file"]
        if not stored:
            continue
        try:
            source = photos.instance_file(instance_path, stored)
        except ValueError:
            source = None
        if source is None or not source.is_file():
            missing.append(f"{person['id']} ({stored})")
            continue
        exported = photos.exported_name(person["id"], stored)
        pictures.append((source, exported))
        person["photo_file"] = exported
    if missing:
        raise ExportFailed(f"photo missing from the instance folder for person(s): {', '.join(missing[:20])}")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for spec in FILES:
        _write_csv(folder / spec.name, spec, data[spec.name])
    if pictures:
        (folder / photos.PHOTO_DIR).mkdir(mode=0o700)
        for source, exported in pictures:
            with open(_private_file(folder / exported), "wb") as out:
                out.write(source.read_bytes())
    return LoadCounts(*(len(data[spec.name]) for spec in FILES)), [exported for _, exported in pictures]


def registry_counts() -> LoadCounts:
    """How many rows each registry table holds now."""
    return LoadCounts(*(db.session.scalar(select(func.count()).select_from(spec.model)) or 0 for spec in FILES))
