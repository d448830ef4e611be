"""Reading a module's imports from its source, for the tests that keep the layers clean (purity, no cycles)."""

import ast


def imported_modules(source: str, package: str) -> list[str]:
    """Absolute names of everything `source` imports, relative imports resolved against `package`.

    `from app import x` counts as `app.x`: the package itself says nothing about which layer was reached.
    """
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            name = ".".join(part for part in (base, node.module) if part)
            names += [f"{name}.{alias.name}" for alias in node.names] if name == "app" else [name]
    return names
