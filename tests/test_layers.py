"""Layers point one way: the import graph between app/ packages and top-level modules has no cycle (STYLE.md)."""

from pathlib import Path

import pytest

from tests.imports import imported_modules

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"


def unit_of(module: str) -> str | None:
    """The graph node a module belongs to: `app.<package>` or `app.<top-level module>` (None outside app)."""
    parts = module.split(".")
    if parts[0] != "app":
        return None
    return ".".join(parts[:2]) if len(parts) > 1 else "app"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(files: list[Path]) -> dict[str, set[str]]:
    """Which units each unit imports (edges inside one unit left out)."""
    graph: dict[str, set[str]] = {}
    for path in files:
        module = module_name(path)
        source_unit = unit_of(module)
        assert source_unit is not None
        targets = graph.setdefault(source_unit, set())
        for name in imported_modules(
            path.read_text(encoding="utf-8"), module if path.name == "__init__.py" else module.rpartition(".")[0]
        ):
            target = unit_of(name)
            if target is not None and target not in (source_unit, "app"):
                targets.add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path that starts and ends on the same node, or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return path[path.index(node) :] + [node]
        if node in done:
            return None
        for target in sorted(graph.get(node, ())):
            cycle = visit(target, [*path, node])
            if cycle:
                return cycle
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start, [])
        if cycle:
            return cycle
    return None


def test_app_packages_import_each_other_without_a_cycle():
    graph = import_graph(sorted(APP.rglob("*.py")))
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_graph_sees_the_layers():
    graph = import_graph(sorted(APP.rglob("*.py")))
    assert "app.models" in graph["app.cards"]
    assert "app.immunity" in graph["app.models"]


@pytest.mark.parametrize(
    ("graph", "cycle"),
    [
        ({"app.models": {"app.auth"}, "app.auth": {"app.models"}}, ["app.auth", "app.models", "app.auth"]),
        ({"app.a": {"app.b"}, "app.b": {"app.c"}, "app.c": {"app.a"}}, ["app.a", "app.b", "app.c", "app.a"]),
        ({"app.a": {"app.b"}, "app.b": set()}, None),
    ],
)
def test_the_checker_finds_a_cycle_and_only_a_cycle(graph, cycle):
    assert find_cycle(graph) == cycle


@pytest.mark.parametrize(
    ("source", "module", "imported"),
    [
        ("from app.auth.roles import Role", "app.models.accounts", "app.auth"),
        ("from app import plates", "app.registry.columns", "app.plates"),
        ("from ..cards import tokens", "app.models.keys", "app.cards"),
        ("import app.cards.tokens", "app.models.keys", "app.cards"),
    ],
)
def test_the_checker_reads_every_form_of_import(source, module, imported):
    assert imported in {unit_of(name) for name in imported_modules(source, module.rpartition(".")[0])}
