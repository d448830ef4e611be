"""Bulk registry changes leave an audit event (issue 13 item 3): who, the folder, file and row counts, the outcome.

A successful import or demo seed commits its event in its own transaction; a rejected or failed one is
recorded after the rollback. The detail holds counts and the folder only, never a person's data.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy.exc import IntegrityError, OperationalError

from app.audit import service as audit_service
from app.extensions import db
from app.models import AuditEvent, Person
from app.registry import interchange, seed
from app.registry.demo import generator as demo_generator
from app.registry.interchange import ExportFailed, ImportFailed, LoadCounts, export_folder, import_folder
from tests.auth_support import audit_events
from tests.factories import write_small_registry

SMALL_ROWS = {"missions": 2, "persons": 4, "cards": 3, "vehicles": 3}
NO_ROWS = LoadCounts(0, 0, 0, 0)


@pytest.fixture
def instance(app: Flask, tmp_path: Path) -> Path:
    """A throwaway instance folder, so photos never land in the real one."""
    path = tmp_path / "instance"
    path.mkdir()
    app.instance_path = str(path)
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_small_registry(tmp_path / "registry")


@pytest.fixture
def loaded(app: Flask, folder: Path, instance: Path) -> Iterator[Path]:
    """The small registry, already imported once (its own event left out of what the tests read)."""
    with app.app_context():
        import_folder(folder, instance)
    yield folder


def events_after(app: Flask, action: str, skip: int = 0) -> list[AuditEvent]:
    return audit_events(app, action)[skip:]


def detail(event: AuditEvent) -> dict[str, object]:
    return json.loads(event.detail or "{}")


def broken_audit_write(*args: object, **kwargs: object) -> None:
    raise OperationalError("INSERT INTO audit_events", {}, Exception("disk I/O error"))


def test_the_cli_import_records_who_the_folder_its_files_and_rows(
    app: Flask, runner: FlaskCliRunner, folder: Path, instance: Path
) -> None:
    result = runner.invoke(args=["registry", "import", str(folder)])
    assert result.exit_code == 0, result.output
    (event,) = audit_events(app, "registry.import")
    assert event.outcome == "ok"
    assert event.user_email is not None and event.user_email.startswith("cli:")
    assert detail(event) == {
        "folder": str(folder.resolve()),
        "files_read": {"csv": 4, "photos": 1},
        "photos_copied": 1,
        "rows": SMALL_ROWS,
        "changes": {
            "missions": {"added": 2, "changed": 0, "removed": 0},
            "persons": {"added": 4, "changed": 0, "removed": 0},
            "cards": {"added": 3, "changed": 0, "removed": 0},
            "vehicles": {"added": 3, "changed": 0, "removed": 0},
        },
    }


def test_reimporting_an_unchanged_folder_is_still_recorded(app: Flask, loaded: Path, instance: Path) -> None:
    with app.app_context():
        import_folder(loaded, instance)
    (event,) = events_after(app, "registry.import", skip=1)
    assert event.outcome == "ok"
    assert detail(event)["photos_copied"] == 0
    changes = detail(event)["changes"]
    assert isinstance(changes, dict) and all(c == {"added": 0, "changed": 0, "removed": 0} for c in changes.values())


def test_an_import_whose_commit_fails_leaves_no_success_event(
    app: Flask, folder: Path, instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def commit_then_fail() -> None:
        db.session.flush()  # the import's rows and its audit event are written, then the commit is lost
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    with app.app_context():
        monkeypatch.setattr(db.session, "commit", commit_then_fail)
        with pytest.raises(ImportFailed):
            import_folder(folder, instance)
        monkeypatch.undo()
        assert interchange.registry_counts() == NO_ROWS
    (event,) = audit_events(app, "registry.import")
    assert event.outcome == "rejected"
    assert detail(event)["problems"] == 1


def test_an_import_the_audit_trail_cannot_record_changes_nothing(
    app: Flask, folder: Path, instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_service, "record", broken_audit_write)
    with app.app_context():
        with pytest.raises(ImportFailed) as failure:
            import_folder(folder, instance)
        assert failure.value.problems == ["the database refused the import: disk I/O error"]
        assert interchange.registry_counts() == NO_ROWS
    assert list((instance / "photos").iterdir()) == []
    assert [event.outcome for event in audit_events(app, "registry.import")] == ["rejected"]


def test_a_rejected_import_is_recorded_with_its_number_of_problems_and_no_personal_data(
    app: Flask, runner: FlaskCliRunner, loaded: Path, instance: Path
) -> None:
    persons = loaded / "persons.csv"
    text = persons.read_text(encoding="utf-8")
    persons.write_text(text.replace("Boris Testov", "Boris Renamed").replace("1975-04-02", "not a date", 1), "utf-8")
    with app.app_context():
        before = interchange.registry_counts()
    result = runner.invoke(args=["registry", "import", str(loaded)])
    assert "import rejected: 1 problem(s)" in result.output
    (event,) = events_after(app, "registry.import", skip=1)
    assert event.outcome == "rejected"
    assert event.user_email is not None and event.user_email.startswith("cli:")
    assert detail(event) == {"folder": str(loaded.resolve()), "files_read": {"csv": 4, "photos": 1}, "problems": 1}
    assert "Boris" not in (event.detail or "") and "1975" not in (event.detail or "")
    with app.app_context():
        assert interchange.registry_counts() == before
        spouse = db.session.get(Person, "P2")
        assert spouse is not None and spouse.full_name == "Boris Testov"


def test_an_import_that_fails_unexpectedly_is_recorded_as_failed(
    app: Flask, folder: Path, instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(interchange, "apply", crash)
    with app.app_context(), pytest.raises(RuntimeError):
        import_folder(folder, instance)
    (event,) = audit_events(app, "registry.import")
    assert (event.outcome, detail(event)["error"]) == ("failed", "RuntimeError")


def test_a_rejection_the_audit_trail_cannot_record_still_reports_its_problems(
    app: Flask, folder: Path, instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (folder / "cards.csv").unlink()
    monkeypatch.setattr(audit_service, "record_now", broken_audit_write)
    with app.app_context(), pytest.raises(ImportFailed) as failure:
        import_folder(folder, instance)
    assert any("cards.csv" in problem for problem in failure.value.problems)


def test_an_export_records_the_folder_the_files_written_and_the_rows(
    app: Flask, runner: FlaskCliRunner, loaded: Path, tmp_path: Path
) -> None:
    target = tmp_path / "export"
    result = runner.invoke(args=["registry", "export", str(target)])
    assert result.exit_code == 0, result.output
    (event,) = audit_events(app, "registry.export")
    assert event.outcome == "ok"
    assert event.user_email is not None and event.user_email.startswith("cli:")
    assert detail(event) == {
        "folder": str(target.resolve()),
        "files_written": {"csv": 4, "photos": 1},
        "rows": SMALL_ROWS,
    }


def test_a_refused_export_is_recorded_and_writes_nothing(
    app: Flask, runner: FlaskCliRunner, loaded: Path, tmp_path: Path
) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("keep me", encoding="utf-8")
    result = runner.invoke(args=["registry", "export", str(target)])
    assert result.exit_code != 0
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    (event,) = audit_events(app, "registry.export")
    assert (event.outcome, detail(event)) == ("refused", {"folder": str(target.resolve())})


@pytest.mark.parametrize("exists", [False, True], ids=["new folder", "empty folder"])
def test_an_export_the_audit_trail_cannot_record_takes_its_files_back(
    app: Flask, loaded: Path, instance: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exists: bool
) -> None:
    target = tmp_path / "export"
    if exists:
        target.mkdir()
    monkeypatch.setattr(audit_service, "record_now", broken_audit_write)
    with app.app_context(), pytest.raises(ExportFailed, match="could not record the export"):
        export_folder(target, instance)
    assert target.exists() is exists
    assert not exists or list(target.iterdir()) == []


def test_the_cli_demo_seed_is_recorded_with_its_rows(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["registry", "seed-demo", "--persons", "100", "--seed", "1"])
    assert result.exit_code == 0, result.output
    (event,) = audit_events(app, "registry.seed")
    assert event.outcome == "ok"
    assert event.user_email is not None and event.user_email.startswith("cli:")
    recorded = detail(event)
    assert recorded["source"] == "demo seed 1" and recorded["persons_asked"] == 100
    assert recorded["photos_written"] == len(seed.DEMO_PORTRAITS)
    rows = recorded["rows"]
    assert isinstance(rows, dict) and rows["persons"] == 100 and rows["missions"] > 0


def test_a_failed_demo_seed_is_recorded_as_failed_and_leaves_no_success_event(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = seed.generate

    def broken(*args: object) -> demo_generator.Rows:
        rows = real(*args)
        rows.cards.append(dict(rows.cards[0]))  # a duplicate card number
        return rows

    monkeypatch.setattr(seed, "generate", broken)
    with app.app_context(), pytest.raises(IntegrityError):
        seed.seed_demo(persons=50, seed=1)
    (event,) = audit_events(app, "registry.seed")
    assert (event.outcome, detail(event)["error"]) == ("failed", "IntegrityError")
