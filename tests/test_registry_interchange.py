"""Registry interchange: a folder of four CSV files imported all or nothing, and exported back exactly."""

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import Column, ForeignKey, Integer, String, Table, func, insert, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.immunity.codes import Category, Relationship
from app.models import Card, Mission, Person, RegistryLoad, Vehicle
from app.registry import interchange, sync
from app.registry.columns import CARDS, MISSIONS, PERSONS
from app.registry.interchange import ImportFailed, LoadCounts, export_folder, import_folder, registry_counts
from tests.factories import (
    JPEG_BYTES,
    PNG_BYTES,
    card_row,
    mission_row,
    person_row,
    small_registry_rows,
    vehicle_row,
    write_csv,
    write_small_registry,
)

Rows = dict[str, list[dict[str, str]]]
SMALL = LoadCounts(missions=2, persons=4, cards=3, vehicles=3)


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
    """The small registry, already imported once; yields its folder."""
    with app.app_context():
        import_folder(folder, instance)
    yield folder


def snapshot() -> dict[str, object]:
    """What a rejected import must leave exactly as it was."""
    person = db.session.get(Person, "P1")
    assert person is not None
    db.session.expire_all()
    return {
        "counts": registry_counts(),
        "loads": db.session.scalar(select(func.count()).select_from(RegistryLoad)),
        "person": (person.full_name, person.category, person.photo_file, person.updated_at),
        "plates": sorted(db.session.scalars(select(Vehicle.plate))),
    }


def rewrite(folder: Path, change: Callable[[Rows], None]) -> None:
    rows = small_registry_rows()
    change(rows)
    write_small_registry(folder, rows)


def import_via_cli(runner: FlaskCliRunner, folder: Path) -> tuple[int, str]:
    result = runner.invoke(args=["registry", "import", str(folder)])
    return result.exit_code, result.output


def test_a_valid_folder_imports_every_row(app: Flask, folder: Path, instance: Path) -> None:
    with app.app_context():
        counts = import_folder(folder, instance)
        assert counts == SMALL
        assert registry_counts() == SMALL
        spouse = db.session.get(Person, "P2")
        assert spouse is not None
        assert spouse.relationship is Relationship.SPOUSE
        assert spouse.principal_id == "P1"
        assert spouse.category is Category.DIPLOMATIC_AGENT
        assert spouse.photo_file is None
        consul = db.session.get(Person, "P4")
        assert consul is not None and consul.accredited_until is not None
        assert consul.accredited_until.isoformat() == "2027-08-31"
        mission = db.session.get(Mission, "M2")
        assert mission is not None and mission.plate_code == "EX" and mission.special_bilateral is False


def test_the_cli_imports_a_folder_and_prints_the_counts(runner: FlaskCliRunner, folder: Path, instance: Path) -> None:
    exit_code, output = import_via_cli(runner, folder)
    assert exit_code == 0, output
    assert "imported 2 missions, 4 persons, 3 cards, 3 vehicles" in output


def test_an_import_records_a_registry_load_named_after_the_folder(app: Flask, folder: Path, instance: Path) -> None:
    with app.app_context():
        import_folder(folder, instance)
        load = db.session.scalars(select(RegistryLoad)).one()
        assert (load.source, load.missions, load.persons, load.cards, load.vehicles) == ("registry", 2, 4, 3, 3)


BAD_ROWS: list[tuple[str, Callable[[Rows], None], str]] = [
    (
        "unknown category",
        lambda rows: rows["persons"][3].update(category="diplomat"),
        "persons.csv:5: unknown category 'diplomat'",
    ),
    (
        "dangling mission_id",
        lambda rows: rows["persons"][3].update(mission_id="M9"),
        "persons.csv:5: mission_id 'M9' is not in missions.csv",
    ),
    (
        "duplicate plate once normalised",
        lambda rows: rows["vehicles"].append(vehicle_row(plate="dtl-0001", person_id="")),
        "vehicles.csv:5: duplicate plate 'DTL0001' (also line 2)",
    ),
    (
        "bad date",
        lambda rows: rows["cards"][1].update(expires_on="2028-02-30"),
        "cards.csv:3: expires_on '2028-02-30' is not a date (expected YYYY-MM-DD)",
    ),
    (
        "date in another format",
        lambda rows: rows["persons"][0].update(date_of_birth="02/04/1975"),
        "persons.csv:2: date_of_birth '02/04/1975' is not a date (expected YYYY-MM-DD)",
    ),
    (
        "path traversal in photo_file",
        lambda rows: rows["persons"][0].update(photo_file="../secret.jpg"),
        "persons.csv:2: photo_file '../secret.jpg' must not leave the registry folder ('..')",
    ),
    (
        "absolute photo_file",
        lambda rows: rows["persons"][0].update(photo_file="/etc/passwd"),
        "persons.csv:2: photo_file '/etc/passwd' must be a path relative to the registry folder",
    ),
    (
        "family member without principal",
        lambda rows: rows["persons"][2].update(principal_id=""),
        "persons.csv:4: a family member (child) needs a principal_id",
    ),
    (
        "principal with a principal",
        lambda rows: rows["persons"][3].update(principal_id="P1"),
        "persons.csv:5: a principal has no principal_id",
    ),
    (
        "family member of a family member",
        lambda rows: rows["persons"][2].update(principal_id="P2"),
        "persons.csv:4: principal_id 'P2' is a spouse, not a principal",
    ),
    (
        "card of an unknown person",
        lambda rows: rows["cards"][2].update(person_id="P99"),
        "cards.csv:4: person_id 'P99' is not in persons.csv",
    ),
    (
        "duplicate person_id",
        lambda rows: rows["persons"].append(person_row(person_id="P4", full_name="Someone Else")),
        "persons.csv:6: duplicate person_id 'P4' (also line 5)",
    ),
    (
        "boolean spelled yes",
        lambda rows: rows["missions"][0].update(special_bilateral="yes"),
        "missions.csv:2: special_bilateral must be true or false, not 'yes'",
    ),
    (
        "missing required value",
        lambda rows: rows["missions"][1].update(name=""),
        "missions.csv:3: missing name",
    ),
    (
        "lower-case plate code",
        lambda rows: rows["missions"][1].update(plate_code="ex"),
        "missions.csv:3: plate_code 'ex' must be two capital letters A–Z",
    ),
    (
        "year not a number",
        lambda rows: rows["vehicles"][2].update(year="2O21"),
        "vehicles.csv:4: year '2O21' is not a whole number",
    ),
    (
        "card expiring before issue",
        lambda rows: rows["cards"][0].update(expires_on="2020-01-01"),
        "cards.csv:2: expires_on 2020-01-01 is before issued_on 2023-09-15",
    ),
]


@pytest.mark.parametrize(("change", "problem"), [(c, p) for _, c, p in BAD_ROWS], ids=[n for n, _, _ in BAD_ROWS])
def test_a_bad_row_rejects_the_whole_folder_with_its_file_and_line(
    app: Flask, runner: FlaskCliRunner, loaded: Path, change: Callable[[Rows], None], problem: str
) -> None:
    with app.app_context():
        before = snapshot()
    rewrite(loaded, lambda rows: (rows["persons"][1].update(full_name="Changed Name"), change(rows)))
    exit_code, output = import_via_cli(runner, loaded)
    assert exit_code != 0
    assert problem in output.splitlines()
    assert "import rejected: 1 problem(s); nothing was changed" in output
    with app.app_context():
        assert snapshot() == before
        spouse = db.session.get(Person, "P2")
        assert spouse is not None and spouse.full_name == "Boris Testov"


ORGANIZATION = mission_row(
    mission_id="M3",
    name="Secretariat of the Example Union",
    country="",
    kind="international_org",
    city="New York",
    state="NY",
    plate_code="",
)


def test_an_international_organization_without_a_country_is_imported(app: Flask, folder: Path, instance: Path) -> None:
    rewrite(folder, lambda rows: rows["missions"].append(ORGANIZATION))
    with app.app_context():
        import_folder(folder, instance)
        organization = db.session.get(Mission, "M3")
        assert organization is not None and organization.country is None


@pytest.mark.parametrize("kind", ["embassy", "consulate", "io_mission", "tecro", "teco"])
def test_every_other_kind_of_mission_still_needs_a_country(
    runner: FlaskCliRunner, folder: Path, instance: Path, kind: str
) -> None:
    rewrite(folder, lambda rows: rows["missions"].append({**ORGANIZATION, "kind": kind}))
    exit_code, output = import_via_cli(runner, folder)
    assert exit_code != 0
    assert "missions.csv:4: missing country" in output.splitlines()
    assert "import rejected: 1 problem(s); nothing was changed" in output


def test_a_mission_of_an_unknown_kind_is_refused_for_its_kind_alone(
    runner: FlaskCliRunner, folder: Path, instance: Path
) -> None:
    rewrite(folder, lambda rows: rows["missions"].append({**ORGANIZATION, "kind": "agency"}))
    exit_code, output = import_via_cli(runner, folder)
    assert "missions.csv:4: unknown kind 'agency'" in output.splitlines()
    assert "import rejected: 1 problem(s); nothing was changed" in output


def test_an_organization_without_a_country_is_exported_empty_and_imports_back_unchanged(
    app: Flask, runner: FlaskCliRunner, folder: Path, instance: Path, tmp_path: Path
) -> None:
    rewrite(folder, lambda rows: rows["missions"].append(ORGANIZATION))
    assert import_via_cli(runner, folder)[0] == 0
    first, second = tmp_path / "first", tmp_path / "second"
    assert runner.invoke(args=["registry", "export", str(first)]).exit_code == 0
    missions = (first / "missions.csv").read_text(encoding="utf-8").splitlines()
    assert "M3,Secretariat of the Example Union,,international_org,New York,NY,,false" in missions
    exit_code, output = import_via_cli(runner, first)
    assert exit_code == 0, output
    assert "no changes: the registry already matches the folder" in output
    assert runner.invoke(args=["registry", "export", str(second)]).exit_code == 0
    assert (second / "missions.csv").read_bytes() == (first / "missions.csv").read_bytes()
    with app.app_context():
        organization = db.session.get(Mission, "M3")
        assert organization is not None and organization.country is None


def test_a_missing_column_is_reported_on_the_header_line(app: Flask, runner: FlaskCliRunner, loaded: Path) -> None:
    with app.app_context():
        before = snapshot()
    rows = small_registry_rows()
    write_csv(
        loaded / "missions.csv",
        ["mission_id", "name", "country", "city", "state", "plate_code", "special_bilateral"],
        rows["missions"],
    )
    exit_code, output = import_via_cli(runner, loaded)
    assert exit_code != 0
    assert "missions.csv:1: missing column 'kind'" in output.splitlines()
    with app.app_context():
        assert snapshot() == before


def test_an_unknown_column_is_reported_on_the_header_line(runner: FlaskCliRunner, folder: Path, instance: Path) -> None:
    rows = small_registry_rows()
    write_csv(folder / "cards.csv", [*CARDS.header, "pin"], rows["cards"])
    exit_code, output = import_via_cli(runner, folder)
    assert exit_code != 0
    assert "cards.csv:1: unknown column 'pin'" in output.splitlines()


def test_a_missing_file_rejects_the_folder(runner: FlaskCliRunner, folder: Path, instance: Path) -> None:
    (folder / "vehicles.csv").unlink()
    exit_code, output = import_via_cli(runner, folder)
    assert exit_code != 0
    assert "vehicles.csv:0: file not found in the registry folder" in output.splitlines()


def test_every_problem_in_every_file_is_reported_in_file_order(app: Flask, folder: Path, instance: Path) -> None:
    def change(rows: Rows) -> None:
        rows["vehicles"][0].update(status="stolen")
        rows["missions"][1].update(kind="castle")
        rows["persons"][0].update(category="spy", status="gone")

    rewrite(folder, change)
    with app.app_context(), pytest.raises(ImportFailed) as failure:
        import_folder(folder, instance)
    assert failure.value.problems == [
        "missions.csv:3: unknown kind 'castle'",
        "persons.csv:2: unknown category 'spy'",
        "persons.csv:2: unknown status 'gone'",
        "vehicles.csv:2: unknown status 'stolen'",
    ]


def test_problems_are_capped_with_a_count_of_the_rest(app: Flask, folder: Path, instance: Path) -> None:
    rewrite(folder, lambda rows: rows["cards"].extend(card_row(card_number=f"X{n}", status="?") for n in range(250)))
    with app.app_context(), pytest.raises(ImportFailed) as failure:
        import_folder(folder, instance)
    assert len(failure.value.problems) == 201
    assert failure.value.problems[0] == "cards.csv:5: unknown status '?'"
    assert failure.value.problems[-1] == "… and 50 more"


def test_a_csv_row_with_too_many_values_is_reported(app: Flask, folder: Path, instance: Path) -> None:
    with (folder / "missions.csv").open("a", encoding="utf-8") as out:
        out.write("M3,Mission,Country,embassy,,,,false,extra\n")
    with app.app_context(), pytest.raises(ImportFailed) as failure:
        import_folder(folder, instance)
    assert failure.value.problems == ["missions.csv:4: expected 8 values, found 9"]


def test_line_numbers_count_physical_lines_after_a_value_spanning_lines(
    app: Flask, folder: Path, instance: Path
) -> None:
    rows = small_registry_rows()
    rows["missions"][0]["name"] = "Embassy of\nTestland"
    rows["missions"][1]["kind"] = "castle"
    write_csv(folder / "missions.csv", [c for c in rows["missions"][0]], rows["missions"])
    with app.app_context(), pytest.raises(ImportFailed) as failure:
        import_folder(folder, instance)
    assert failure.value.problems == [
        "missions.csv:2: name contains a control character or line break",
        "missions.csv:4: unknown kind 'castle'",
    ]


def test_a_file_that_is_not_utf8_is_reported_at_the_bad_line(app: Flask, folder: Path, instance: Path) -> None:
    with (folder / "missions.csv").open("ab") as out:
        out.write("M3,Ambassade de Côte d'Ivoire,Côte d'Ivoire,embassy,,,,false\n".encode("latin-1"))
    with app.app_context(), pytest.raises(ImportFailed) as failure:
        import_folder(folder, instance)
    assert failure.value.problems == ["missions.csv:4: not valid UTF-8"]


def test_reimporting_the_same_folder_changes_nothing(app: Flask, runner: FlaskCliRunner, loaded: Path) -> None:
    with app.app_context():
        before = snapshot()
        stamps = dict(db.session.execute(select(Person.id, Person.updated_at)).all())
    exit_code, output = import_via_cli(runner, loaded)
    assert exit_code == 0, output
    assert "no changes: the registry already matches the folder" in output
    with app.app_context():
        assert snapshot() == before
        assert dict(db.session.execute(select(Person.id, Person.updated_at)).all()) == stamps


def test_a_changed_row_is_updated_and_only_that_person_is_touched(app: Flask, loaded: Path, instance: Path) -> None:
    with app.app_context():
        stamps = dict(db.session.execute(select(Person.id, Person.updated_at)).all())
    rewrite(loaded, lambda rows: rows["persons"][3].update(status="departed", title="Former Consul"))
    with app.app_context():
        import_folder(loaded, instance)
        after = dict(db.session.execute(select(Person.id, Person.updated_at)).all())
        consul = db.session.get(Person, "P4")
        assert consul is not None and consul.status == "departed" and consul.title == "Former Consul"
        assert after["P4"] > stamps["P4"]
        assert {k: v for k, v in after.items() if k != "P4"} == {k: v for k, v in stamps.items() if k != "P4"}
        assert db.session.scalar(select(func.count()).select_from(RegistryLoad)) == 2


def test_rows_missing_from_the_folder_are_removed(app: Flask, loaded: Path, instance: Path) -> None:
    def change(rows: Rows) -> None:
        del rows["persons"][1]  # the spouse
        del rows["cards"][1]  # the spouse's card
        del rows["vehicles"][1]

    rewrite(loaded, change)
    with app.app_context():
        counts = import_folder(loaded, instance)
        assert counts == LoadCounts(missions=2, persons=3, cards=2, vehicles=2)
        assert registry_counts() == counts
        assert db.session.get(Person, "P2") is None
        assert db.session.scalar(select(Vehicle).where(Vehicle.plate == "DTL0002")) is None


def test_a_whole_mission_can_leave_the_registry(app: Flask, loaded: Path, instance: Path) -> None:
    def change(rows: Rows) -> None:
        rows["missions"] = rows["missions"][:1]
        rows["persons"] = rows["persons"][:3]
        rows["cards"] = rows["cards"][:2]
        rows["vehicles"] = rows["vehicles"][:2]

    rewrite(loaded, change)
    with app.app_context():
        assert import_folder(loaded, instance) == LoadCounts(missions=1, persons=3, cards=2, vehicles=2)
        assert db.session.get(Mission, "M2") is None


def test_a_departing_family_is_removed_with_its_sponsor(app: Flask, loaded: Path, instance: Path) -> None:
    def change(rows: Rows) -> None:
        rows["persons"] = rows["persons"][3:]
        rows["cards"] = rows["cards"][2:]
        rows["vehicles"] = rows["vehicles"][1:]
        rows["vehicles"][0]["mission_id"] = "M2"

    rewrite(loaded, change)
    with app.app_context():
        assert import_folder(loaded, instance) == LoadCounts(missions=2, persons=1, cards=1, vehicles=2)


def test_a_plate_is_stored_in_its_canonical_form(app: Flask, folder: Path, instance: Path) -> None:
    rewrite(folder, lambda rows: rows["vehicles"][2].update(plate="cex 0101"))
    with app.app_context():
        import_folder(folder, instance)
        assert sorted(db.session.scalars(select(Vehicle.plate))) == ["CEX0101", "DTL0001", "DTL0002"]


def test_a_reimport_keeps_the_cards_reprint_floor(app: Flask, loaded: Path, instance: Path) -> None:
    floor = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    with app.app_context():
        card = db.session.scalars(select(Card).where(Card.card_number == "DA100001")).one()
        card.min_valid_iat = floor
        db.session.commit()
    rewrite(loaded, lambda rows: rows["cards"][0].update(status="lost"))
    with app.app_context():
        import_folder(loaded, instance)
        card = db.session.scalars(select(Card).where(Card.card_number == "DA100001")).one()
        assert (card.status, card.min_valid_iat) == ("lost", floor)


def test_a_photo_is_copied_into_the_instance_folder(app: Flask, loaded: Path, instance: Path) -> None:
    with app.app_context():
        person = db.session.get(Person, "P1")
        assert person is not None and person.photo_file is not None
        assert person.photo_file.startswith("photos/P1-") and person.photo_file.endswith(".jpg")
        assert (instance / person.photo_file).read_bytes() == JPEG_BYTES


def test_a_replaced_photo_removes_the_old_copy(app: Flask, loaded: Path, instance: Path) -> None:
    with app.app_context():
        old = db.session.get(Person, "P1").photo_file  # type: ignore[union-attr]
    (loaded / "photos" / "ana.png").write_bytes(PNG_BYTES)
    rewrite(loaded, lambda rows: rows["persons"][0].update(photo_file="photos/ana.png"))
    with app.app_context():
        import_folder(loaded, instance)
        new = db.session.get(Person, "P1").photo_file  # type: ignore[union-attr]
    assert new != old and new is not None and new.endswith(".png")
    assert (instance / new).read_bytes() == PNG_BYTES
    assert not (instance / old).exists()  # type: ignore[operator]


def test_a_photo_that_is_not_an_image_is_rejected(app: Flask, folder: Path, instance: Path) -> None:
    (folder / "photos" / "ana.jpg").write_bytes(b"<html>not a photo</html>")
    with app.app_context(), pytest.raises(ImportFailed) as failure:
        import_folder(folder, instance)
    assert failure.value.problems == ["persons.csv:2: photo_file 'photos/ana.jpg' is not a JPEG image"]


def test_a_photo_behind_a_symbolic_link_out_of_the_folder_is_rejected(
    app: Flask, folder: Path, instance: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(JPEG_BYTES)
    (folder / "photos" / "ana.jpg").unlink()
    (folder / "photos" / "ana.jpg").symlink_to(outside)
    with app.app_context(), pytest.raises(ImportFailed) as failure:
        import_folder(folder, instance)
    assert failure.value.problems == [
        "persons.csv:2: photo_file 'photos/ana.jpg' must not leave the registry folder (symbolic link)"
    ]


def test_a_failed_write_removes_the_photos_it_copied(
    app: Flask, folder: Path, instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(plan: sync.Plan, progress: bool = False) -> None:
        db.session.execute(insert(Mission), [{"id": "MX", "name": "x", "country": "x", "kind": "embassy"}])
        raise IntegrityError("INSERT", {}, Exception("simulated constraint failure"))

    monkeypatch.setattr(interchange, "apply", refuse)
    with app.app_context():
        with pytest.raises(ImportFailed) as failure:
            import_folder(folder, instance)
        assert failure.value.problems == ["the database refused the import: simulated constraint failure"]
        assert registry_counts() == LoadCounts(0, 0, 0, 0)
    assert list((instance / "photos").iterdir()) == []


def test_a_write_the_database_refuses_rejects_the_import_and_stores_nothing(
    app: Flask, folder: Path, instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real write path (COPY on PostgreSQL, INSERT on SQLite) meets a row already there: a duplicate key."""
    real_apply = interchange.apply

    def race_then_apply(plan: sync.Plan, progress: bool = False) -> None:
        taken = plan[MISSIONS].inserts[-1]["id"]
        db.session.execute(insert(Mission), [{"id": taken, "name": "x", "country": "x", "kind": "embassy"}])
        real_apply(plan, progress)

    monkeypatch.setattr(interchange, "apply", race_then_apply)
    with app.app_context():
        with pytest.raises(ImportFailed) as failure:
            import_folder(folder, instance)
        assert len(failure.value.problems) == 1
        assert failure.value.problems[0].startswith("the database refused the import: ")
        assert registry_counts() == LoadCounts(0, 0, 0, 0)
    assert list((instance / "photos").iterdir()) == []


def test_a_row_that_other_records_refer_to_is_not_removed(app: Flask, loaded: Path, instance: Path) -> None:
    referrer = Table(
        "test_referrers",
        db.metadata,
        Column("id", Integer, primary_key=True),
        Column("person_id", String(32), ForeignKey("persons.id")),
    )
    try:
        with app.app_context():
            referrer.create(db.engine)
            db.session.execute(insert(referrer).values(id=1, person_id="P2"))
            db.session.commit()
            before = snapshot()
        rewrite(loaded, lambda rows: (rows["persons"].pop(1), rows["cards"].pop(1)))
        with app.app_context():
            with pytest.raises(ImportFailed) as failure:
                import_folder(loaded, instance)
            assert failure.value.problems == [
                "persons.csv:0: person 'P2' is not in the folder but test_referrers still refer to it; "
                "keep it in the folder, with status departed or terminated"
            ]
            assert snapshot() == before
    finally:
        with app.app_context():
            db.session.rollback()
            referrer.drop(db.engine)
        db.metadata.remove(referrer)


def test_export_then_import_then_export_gives_the_same_files(
    app: Flask, runner: FlaskCliRunner, loaded: Path, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    result = runner.invoke(args=["registry", "export", str(first)])
    assert result.exit_code == 0, result.output
    assert "exported 2 missions, 4 persons, 3 cards, 3 vehicles" in result.output
    exit_code, output = import_via_cli(runner, first)
    assert exit_code == 0, output
    assert "no changes: the registry already matches the folder" in output
    assert runner.invoke(args=["registry", "export", str(second)]).exit_code == 0
    files = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    assert files == ["cards.csv", "missions.csv", "persons.csv", "photos/P1.jpg", "vehicles.csv"]
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_an_export_writes_the_interchange_format(app: Flask, loaded: Path, instance: Path, tmp_path: Path) -> None:
    with app.app_context():
        export_folder(tmp_path / "out", instance)
    persons = (tmp_path / "out" / "persons.csv").read_text(encoding="utf-8").splitlines()
    assert persons[0] == ",".join(PERSONS.header)
    assert persons[1] == (
        "P1,M1,Ana Testova,diplomatic_agent,principal,,1975-04-02,Testland,Counsellor,false,active,"
        "2023-09-01,,photos/P1.jpg"
    )
    assert persons[2].startswith("P2,M1,Boris Testov,diplomatic_agent,spouse,P1,1977-11-30,")


def test_an_export_into_a_folder_with_files_is_refused(runner: FlaskCliRunner, loaded: Path, tmp_path: Path) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("keep me", encoding="utf-8")
    result = runner.invoke(args=["registry", "export", str(target)])
    assert result.exit_code != 0
    assert "is not an empty folder" in result.output
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def test_an_imported_copy_of_an_export_matches_the_original_database(
    app: Flask, loaded: Path, instance: Path, tmp_path: Path
) -> None:
    with app.app_context():
        export_folder(tmp_path / "copy", instance)
    shutil.rmtree(loaded)
    with app.app_context():
        assert import_folder(tmp_path / "copy", instance) == SMALL
        assert db.session.scalar(select(func.count()).select_from(RegistryLoad)) == 1
