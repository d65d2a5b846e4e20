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


# Each layer and what it may import of ours (DESIGN.md 4, STYLE.md): arrows point one
# way, from the adapters (api, web) through the shared HTTP room and the use cases down
# to the store and the pure domain. Modules at the package's top (settings, clock, logs,
# json_text) are named as they are.
MAY_IMPORT: dict[str, set[str]] = {
    "domain": {"domain"},
    "store": {"domain", "store", "clock", "json_text"},
    "delivery": {"domain", "delivery", "store", "json_text"},
    "services": {"domain", "store", "delivery", "services", "settings", "clock", "json_text"},
    "scheduler": {"domain", "services", "scheduler"},
    "http": {"domain", "services", "http"},
    "api": {"domain", "services", "http", "api", "logs"},
    "web": {"domain", "services", "http", "web"},
}


def _layer_of(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "registry" else None


def _crossings() -> list[str]:
    found = []
    for layer, allowed in MAY_IMPORT.items():
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            for name in sorted(_imports(ast.parse(path.read_text(), str(path)))):
                target = _layer_of(name)
                if target is not None and target not in allowed and name != "registry":
                    found.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    return found


def test_no_import_runs_against_the_layers() -> None:
    assert _crossings() == []


def test_every_layer_is_in_the_table() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert packages == set(MAY_IMPORT)


def test_no_code_bumps_the_registry_version_by_hand() -> None:
    """Cached answers retire from the writes themselves (store/writes.py): only it and the
    store's own modules may call `meta.bump`."""
    callers = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent.name == "store":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "bump"
                and isinstance(node.value, ast.Name)
                and node.value.id == "meta"
            ):
                callers.append(str(path.relative_to(PACKAGE.parent)))
    assert callers == []
