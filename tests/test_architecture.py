"""The import graph of ``app``, ``channels`` and ``workers``: no cycles, no private names taken
from another package.

Read with ``ast`` (nothing is imported), top-level and function-local imports alike. One node a
module; ``import a.b.c`` and ``from a.b import c`` (``c`` a submodule) point at ``a.b.c``, ``from
a.b import name`` at ``a/b/__init__.py``. The parent packages Python runs first are not edges:
a package's ``__init__`` re-exporting its own submodules is not a cycle, but a submodule taking a
name from its package's ``__init__`` is (that import is an edge like any other).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "channels", "workers")

# Cycles knowingly kept, as frozensets of module names, each with the reason. None today.
ALLOWED_CYCLES: list[frozenset[str]] = []


def module_files() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def imports_of(name: str, path: Path, modules: dict[str, Path]):
    """``(target module, imported name or None, line)`` for each import in the file that
    reaches one of our modules; relative imports are resolved against the module's package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if is_package(path) else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules:
                    yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in modules:
                    yield submodule, None, node.lineno
                elif base in modules:
                    yield base, alias.name, node.lineno


@cache  # read once for the three tests (the files do not change during a run)
def import_graph() -> tuple[dict[str, set[str]], list[tuple[str, str, str, int]]]:
    modules = module_files()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    named: list[tuple[str, str, str, int]] = []
    for name, path in modules.items():
        for target, imported, line in imports_of(name, path, modules):
            if target != name:
                graph[name].add(target)
            if imported is not None:
                named.append((name, target, imported, line))
    return graph, named


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (a few hundred modules: plain
    reachability is fast enough and easy to check)."""
    reach = {name: reachable(graph, name) for name in graph}
    found: list[list[str]] = []
    placed: set[str] = set()
    for name in sorted(graph):
        if name in placed or name not in reach[name]:
            continue
        component = sorted(other for other in reach[name] if name in reach[other])
        placed.update(component)
        found.append(component)
    return found


def a_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One concrete loop through the component, to show in the failure message."""
    members = set(component)
    start = component[0]
    path = [start]
    seen = {start}
    while True:
        step = sorted(graph[path[-1]] & members)
        back = [m for m in step if m in seen]
        ahead = [m for m in step if m not in seen]
        if start in step and len(path) > 1:
            return [*path, start]
        if ahead:
            path.append(ahead[0])
            seen.add(ahead[0])
        else:  # only loops back into the path: cut the path there
            return [*path[path.index(back[0]) :], back[0]]


def test_the_import_graph_has_no_cycles():
    graph, _ = import_graph()
    cycles = [c for c in strongly_connected(graph) if frozenset(c) not in ALLOWED_CYCLES]
    report = "\n".join(
        f"- {' -> '.join(a_cycle(graph, c))} (component: {', '.join(c)})" for c in cycles
    )
    assert not cycles, f"import cycles:\n{report}"


def test_the_graph_reader_sees_cycles_and_local_imports(tmp_path):
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    assert a_cycle(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from app.tickets.service import _x\n", encoding="utf-8")
    modules = {"app.tickets.service": Path("service.py"), "m": module}
    assert list(imports_of("m", module, modules)) == [("app.tickets.service", "_x", 2)]


def test_no_private_name_is_imported_from_another_package():
    _, named = import_graph()
    modules = module_files()
    crossings = []
    for importer, target, imported, line in named:
        if not imported.startswith("_") or imported.startswith("__"):
            continue
        importer_package = importer.rpartition(".")[0]
        if is_package(modules[importer]):
            importer_package = importer
        target_package = target if is_package(modules[target]) else target.rpartition(".")[0]
        if importer_package != target_package:
            crossings.append(f"- {modules[importer].relative_to(ROOT)}:{line} {target}.{imported}")
    assert not crossings, "private names imported across packages:\n" + "\n".join(crossings)


# The dependency direction, lowest first: each layer may import those before it, never those
# after it (``models ← tickets ← notices ← delivery ← workers/channels``).
LAYERS = ("app.models", "app.tickets", "app.notices", "app.delivery", "workers|channels")


def layer_of(module: str) -> int | None:
    for rank, names in enumerate(LAYERS):
        if any(module == name or module.startswith(name + ".") for name in names.split("|")):
            return rank
    return None


def test_imports_point_down_the_layers():
    graph, _ = import_graph()
    upward = [
        f"- {importer} -> {target}"
        for importer, targets in sorted(graph.items())
        for target in sorted(targets)
        if layer_of(importer) is not None
        and layer_of(target) is not None
        and layer_of(target) > layer_of(importer)
    ]
    assert not upward, (
        "imports against the layers (" + " ← ".join(LAYERS) + "):\n" + "\n".join(upward)
    )
