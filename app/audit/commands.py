"""`flask audit ...`: seal the trail, verify it, archive what is past retention, rotate the seal key."""

from datetime import datetime
from pathlib import Path

import click
from flask.cli import AppGroup

from app.audit import alerts, archive, sealkeys, seals, service, verify
from app.extensions import db

audit_cli = AppGroup("audit", help="Seal, verify and archive the audit trail.")


@audit_cli.command("seal")
def seal_command() -> None:
    """Seal every event that can be sealed now (run it from a timer, e.g. every minute)."""
    made = seals.seal_all()
    if not made:
        click.echo("nothing to seal")
        return
    events = sum(seal.event_count for seal in made)
    click.echo(f"sealed {events} event(s) in {len(made)} seal(s), up to seal {made[-1].seq}")


@audit_cli.command("verify")
@click.option(
    "--archive",
    "archive_folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the archive files are (default: AUDIT_ARCHIVE_DIR).",
)
def verify_command(archive_folder: Path | None) -> None:
    """Check events against seals, seals against signatures and the outside store; exit 1 on the first problem."""
    report = verify.verify(archive_folder)
    db.session.rollback()
    service.record_now(
        "audit.verify",
        "ok" if report.ok else "broken",
        detail={"seals": report.seals, "events": report.events, "unsealed": report.tail_count},
    )
    for note in report.notes:
        click.echo(f"note: {note}")
    tail = verify.describe_tail(report)
    if not report.ok:
        alerts.raise_alert("audit.tampering", detail={"problem": report.problem})
        click.echo(f"BROKEN: {report.problem}. ({report.seals} seal(s) before it verified; {tail}.)", err=True)
        raise SystemExit(1)
    if report.seals == 0:
        click.echo(f"OK: no seals yet; {tail}")
        return
    archived = f", {report.archived_events} archived" if report.archived_events else ""
    click.echo(
        f"OK: {report.seals} seal(s) cover {report.events} event(s){archived}; signatures hold "
        f"(keys {', '.join(sorted(report.kids))}); the outside store agrees ({report.store_seals} seal(s)); {tail}"
    )


@audit_cli.command("archive")
@click.option("--before", "before", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Archive events before it.")
@click.option("--to", "target", type=click.Path(file_okay=False, path_type=Path), help="Default: AUDIT_ARCHIVE_DIR.")
def archive_command(before: datetime, target: Path | None) -> None:
    """Move sealed events older than DATE (at least the retention period) to a signed archive file."""
    try:
        archived = archive.archive_before(before.date(), target=target)
    except archive.ArchiveError as error:
        raise click.ClickException(f"{error}; nothing was archived") from None
    if archived is None:
        click.echo(f"nothing to archive: no sealed batch has all its events before {before.date().isoformat()}")
        return
    row = archived.row
    click.echo(
        f"archived {row.event_count} event(s) of seals {row.first_seq}–{row.last_seq} to {archived.path} "
        f"(SHA-256 {row.file_sha256}); keep the file: `flask audit verify --archive` checks it"
    )


@audit_cli.group("keys")
def keys_group() -> None:
    """The Ed25519 keys that sign seals (kept outside the database)."""


@keys_group.command("rotate")
def rotate_command() -> None:
    """Make a new seal key; older keys stay to verify the seals they signed."""
    key = sealkeys.rotate()
    service.record_now("audit.key_rotate", "ok", record_ids=[f"sealkey:{key.kid}"])
    click.echo(f"new seal key {key.kid} in {sealkeys.folder()}; back the folder up apart from the database")


@keys_group.command("list")
def list_command() -> None:
    """The seal keys here, newest first, and which one signs."""
    ring = sealkeys.ring()
    if not ring:
        click.echo(f"no seal keys in {sealkeys.folder()} (the first seal makes one)")
        return
    signing = max((k for k in ring.values() if k.private is not None), key=lambda k: k.kid, default=None)
    for kid in sorted(ring, reverse=True):
        role = "signs" if signing and kid == signing.kid else "verifies"
        click.echo(f"{kid}  {role}  {'private' if ring[kid].private else 'public only'}")
