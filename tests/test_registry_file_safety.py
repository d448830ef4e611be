"""Issue 12 item 7: registry files on disk. An export is readable by its owner alone, and a photo swapped
between the import's check and its install is refused (never installed), both written as the attack."""

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from app.registry import photos, reading
from app.registry.interchange import ImportFailed, LoadCounts, export_folder, import_folder, registry_counts
from tests.factories import JPEG_BYTES, write_small_registry

OTHER_JPEG = JPEG_BYTES + b"another person's face"


@pytest.fixture
def instance(app: Flask, tmp_path: Path) -> Path:
    path = tmp_path / "instance"
    path.mkdir()
    app.instance_path = str(path)
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_small_registry(tmp_path / "registry")


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual umask (022), under which a plain write makes 0644 files."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_export_is_readable_by_its_owner_alone(
    app: Flask, folder: Path, instance: Path, tmp_path: Path, open_umask: None
) -> None:
    with app.app_context():
        import_folder(folder, instance)
        export_folder(tmp_path / "out" / "registry", instance)
    out = tmp_path / "out" / "registry"
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == ["cards.csv", "missions.csv", "persons.csv", "photos/P1.jpg", "vehicles.csv"]
    assert {name: _mode(out / name) for name in files} == dict.fromkeys(files, 0o600)
    assert (_mode(out), _mode(out / "photos")) == (0o700, 0o700)


def _swap_after_check(monkeypatch: pytest.MonkeyPatch, swap: Callable[[Path], None]) -> None:
    """The attacker's move: right after the import has read and checked a photo, change what its name holds."""
    original = photos.check_source

    def check_then_swap(root: Path, relative: str) -> photos.PhotoSource:
        source = original(root, relative)
        swap(source.path)
        return source

    monkeypatch.setattr(reading.photos, "check_source", check_then_swap)


def _to_symlink(target: Path) -> Callable[[Path], None]:
    def swap(path: Path) -> None:
        target.write_bytes(OTHER_JPEG)
        path.unlink()
        path.symlink_to(target)

    return swap


def _new_contents(path: Path) -> None:
    path.write_bytes(OTHER_JPEG)


@pytest.mark.parametrize("where", ["inside the folder", "outside the folder"])
def test_a_photo_swapped_for_a_symbolic_link_after_its_check_is_refused_and_nothing_changes(
    app: Flask, folder: Path, instance: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    target = folder / "photos" / "other.jpg" if where == "inside the folder" else tmp_path / "other.jpg"
    _swap_after_check(monkeypatch, _to_symlink(target))
    with app.app_context():
        with pytest.raises(ImportFailed) as failure:
            import_folder(folder, instance)
        assert registry_counts() == LoadCounts(0, 0, 0, 0)
    assert failure.value.problems == [
        "photo_file 'photos/ana.jpg' is a symbolic link; put the photo itself in the folder "
        "(it changed after it was checked)"
    ]
    assert not (instance / "photos").exists() or list((instance / "photos").iterdir()) == []


def test_a_photo_whose_contents_change_after_its_check_is_refused_and_nothing_changes(
    app: Flask, folder: Path, instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _swap_after_check(monkeypatch, _new_contents)
    with app.app_context():
        with pytest.raises(ImportFailed) as failure:
            import_folder(folder, instance)
        assert registry_counts() == LoadCounts(0, 0, 0, 0)
    assert failure.value.problems == ["photo_file 'photos/ana.jpg' changed after it was checked"]
    assert not (instance / "photos").exists() or list((instance / "photos").iterdir()) == []


def test_a_photo_given_as_a_symbolic_link_inside_the_folder_is_refused(
    app: Flask, folder: Path, instance: Path
) -> None:
    (folder / "photos" / "real.jpg").write_bytes(JPEG_BYTES)
    (folder / "photos" / "ana.jpg").unlink()
    (folder / "photos" / "ana.jpg").symlink_to(folder / "photos" / "real.jpg")
    with app.app_context(), pytest.raises(ImportFailed) as failure:
        import_folder(folder, instance)
    assert failure.value.problems == [
        "persons.csv:2: photo_file 'photos/ana.jpg' is a symbolic link; put the photo itself in the folder"
    ]


def test_the_installed_photo_is_the_checked_one(app: Flask, folder: Path, instance: Path) -> None:
    with app.app_context():
        import_folder(folder, instance)
    installed = [p.read_bytes() for p in (instance / "photos").iterdir()]
    assert installed == [JPEG_BYTES]


def test_a_photo_folder_that_is_a_symbolic_link_is_refused(app: Flask, folder: Path, instance: Path) -> None:
    """Every name on the way is opened without following links, not only the file's own."""
    (folder / "photos").rename(folder / "real")
    (folder / "photos").symlink_to(folder / "real")
    with app.app_context(), pytest.raises(ImportFailed) as failure:
        import_folder(folder, instance)
    assert failure.value.problems == [
        "persons.csv:2: photo_file 'photos/ana.jpg' is a symbolic link; put the photo itself in the folder"
    ]


def test_a_photo_folder_swapped_for_a_link_after_the_check_is_refused(
    app: Flask, folder: Path, instance: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "ana.jpg").write_bytes(JPEG_BYTES)  # the same bytes: only the way there changed

    def swap(path: Path) -> None:
        path.parent.rename(folder / "was-photos")
        path.parent.symlink_to(elsewhere)

    _swap_after_check(monkeypatch, swap)
    with app.app_context():
        with pytest.raises(ImportFailed) as failure:
            import_folder(folder, instance)
        assert registry_counts() == LoadCounts(0, 0, 0, 0)
    assert (
        "is a symbolic link" in failure.value.problems[0]
        and "changed after it was checked" in failure.value.problems[0]
    )
