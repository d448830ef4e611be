"""The pure domain modules import no Flask, no SQLAlchemy and no app code but each other (STYLE.md)."""

from pathlib import Path

import pytest

from tests.imports import imported_modules

ROOT = Path(__file__).resolve().parents[2]
# Pure modules other engineers own; checked once they exist. They may import each other.
OTHER_PURE_FILES = (
    "app/plates.py",
    "app/alphabets.py",
    "app/key_status.py",
    "app/cards/tokens.py",
    "app/cards/numbers.py",
    "app/incident_codes.py",
    "app/offices.py",
)
PURE_MODULES = frozenset(name.removesuffix(".py").replace("/", ".") for name in OTHER_PURE_FILES)
FORBIDDEN_ROOTS = ("flask", "sqlalchemy", "flask_sqlalchemy", "werkzeug")


def pure_files() -> list[Path]:
    files = sorted((ROOT / "app" / "immunity").rglob("*.py"))
    files += [ROOT / name for name in OTHER_PURE_FILES if (ROOT / name).exists()]
    return files


def impurities(source: str, package: str) -> list[str]:
    bad = []
    for name in imported_modules(source, package):
        root = name.split(".")[0]
        if root in FORBIDDEN_ROOTS or root.startswith("flask_"):
            bad.append(name)
        elif (
            root == "app"
            and name != "app.immunity"
            and not name.startswith("app.immunity.")
            and name not in PURE_MODULES
        ):
            bad.append(name)
    return bad


def package_of(path: Path) -> str:
    return ".".join(path.parent.relative_to(ROOT).parts)


@pytest.mark.parametrize("path", pure_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_pure_module_imports_no_framework_or_app_code(path):
    assert impurities(path.read_text(encoding="utf-8"), package_of(path)) == []


def test_the_immunity_package_is_checked():
    assert ROOT / "app" / "immunity" / "rules.py" in pure_files()


@pytest.mark.parametrize(
    "source",
    [
        "import flask",
        "from flask import current_app",
        "import flask_login",
        "from sqlalchemy.orm import Session",
        "from app.models import Person",
        "from app import db",
        "from .. import extensions",
        "from ..models.registry import Person",
    ],
)
def test_the_checker_catches_an_impure_import(source):
    assert impurities(source, "app.immunity") != []


@pytest.mark.parametrize(
    "source",
    [
        "from app.immunity.codes import Level",
        "from app.cards.numbers import PRINTED",
        "from . import codes",
        "from .codes import Level",
        "from app.key_status import KeyStatus",
        "import dataclasses",
        "from datetime import date",
    ],
)
def test_the_checker_allows_stdlib_the_immunity_package_and_other_pure_modules(source):
    assert impurities(source, "app.immunity") == []
