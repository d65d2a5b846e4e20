"""Resolvers and pages read through services, which ask the access policy: no module
under registry/api or registry/web imports registry.store (DESIGN.md 9)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "registry"
STORE = "registry.store"


def _imports(tree: ast.Module) -> set[str]:
    """Every module name an import in the tree names (`from a import b` names a and a.b)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _names_the_store(tree: ast.Module) -> bool:
    return any(name == STORE or name.startswith(STORE + ".") for name in _imports(tree))


def test_api_and_web_do_not_import_the_store() -> None:
    importers = sorted(
        str(path.relative_to(PACKAGE.parent))
        for layer in ("api", "web")
        for path in (PACKAGE / layer).rglob("*.py")
        if _names_the_store(ast.parse(path.read_text(), str(path)))
    )
    assert importers == []


def test_the_walk_sees_every_form_of_import() -> None:
    forms = [
        "import registry.store.changes",
        "from registry.store import changes",
        "from registry.store.changes import get",
        "from registry import store",
        "def later() -> None:\n    from registry.store import ids\n",
    ]
    for source in forms:
        assert _names_the_store(ast.parse(source)), source
    assert not _names_the_store(ast.parse("from registry.services import store_names"))
    assert not _names_the_store(ast.parse("from registry.storefront import x"))
