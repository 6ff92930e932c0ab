"""The import structure of resolver/: no circle, and the lower layers never import the upper ones.

Read from the source (every import statement, those inside functions too), so a circle hidden
by a late import counts as one.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "resolver"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from resolver.http import routes" imports the module resolver.http.routes.
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name.startswith("resolver"):
                yield name


# Read once per test process (the parametrized checks below share it; each read parses every
# module of resolver/, ~1 s).
@functools.cache
def _graph() -> dict[str, frozenset[str]]:
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(paths)
    graph: dict[str, frozenset[str]] = {}
    for name, path in paths.items():
        package = name.rpartition(".")[0]
        # A package's __init__ is imported with each of its modules: not an edge that matters.
        graph[name] = frozenset(m for m in _imports(path, modules) if m != name and m != package)
    return graph


def _circles(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_resolver_has_no_import_circle() -> None:
    assert _circles(_graph()) == []


# (importer, imported): a lower layer never imports an upper one (docs/architecture.md).
_FORBIDDEN = [
    ("resolver.lookup", "resolver.stages"),
    ("resolver.lookup", "resolver.federation"),
    ("resolver.lookup", "resolver.http"),
    ("resolver.federation", "resolver.stages"),
    ("resolver.federation", "resolver.node"),
    ("resolver.stages", "resolver.node"),
    ("resolver.stages", "resolver.http"),
    # The configuration is parsed low: it imports no part of the node it configures.
    *(
        ("resolver.config", f"resolver.{upper}")
        for upper in ("stages", "node", "federation", "lifecycle", "translog", "parts", "write", "passport")
    ),
    # Integrity (proofs, signer, keyring) sits under the log, the profile library and the write
    # path; resolver.parts wires it from the configuration.
    *(
        ("resolver.integrity", f"resolver.{upper}")
        for upper in ("config", "parts", "translog", "validation", "passport", "write", "federation")
    ),
    ("resolver.node", "resolver.http"),
    ("resolver.node", "resolver.app"),
    ("resolver.http", "resolver.app"),
    ("resolver.memo", "resolver"),
    # The SPARQL index is opened by the composition root; /sparql is the HTTP edge's.
    ("resolver.sparql", "resolver.http"),
    ("resolver.sparql", "resolver.node"),
    # The lifecycle, integrity and the log sit below HTTP: their routes are the edge's (resolver.http).
    *((f"resolver.{package}", "resolver.http") for package in ("lifecycle", "integrity", "translog")),
    # The profile library (the passport graph, validation) and the one write path sit under
    # everything that uses them; the passport graph under validation and the write path.
    *(
        (f"resolver.{lib}", f"resolver.{upper}")
        for lib in ("passport", "validation", "context_terms", "write")
        for upper in ("http", "node", "app", "stages", "federation", "config", "commands")
    ),
    *(("resolver.passport", f"resolver.{upper}") for upper in ("validation", "translog", "write")),
    # Linked passports read through the chain they are given (resolver.lookup), never a stage or a peer.
    *(
        ("resolver.linked", f"resolver.{upper}")
        for upper in ("http", "node", "app", "stages", "federation", "config", "commands")
    ),
]


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _imports_from(lower: str, imported: Callable[[str], bool]) -> list[str]:
    """``importer -> imported`` for each import from ``lower`` (a module or package) that
    ``imported`` picks."""
    return sorted(
        f"{importer} -> {target}"
        for importer, targets in _graph().items()
        if _within(importer, lower)
        for target in targets
        if imported(target)
    )


@pytest.mark.parametrize(("lower", "upper"), _FORBIDDEN)
def test_a_lower_layer_never_imports_an_upper_one(lower: str, upper: str) -> None:
    assert _imports_from(lower, lambda target: _within(target, upper)) == []


@pytest.mark.parametrize("lower", ["resolver.federation", "resolver.stages"])
def test_the_federation_reads_only_its_own_table_of_the_configuration(lower: str) -> None:
    """``[federation]``'s types (resolver.config.federation), never the node's whole configuration."""
    offending = _imports_from(
        lower,
        lambda target: _within(target, "resolver.config") and target != "resolver.config.federation",
    )
    assert offending == []
