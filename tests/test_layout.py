"""The library's shape: no module over 400 lines, no import cycle between its modules.

Reads the code with ``ast``; runs none of it. Every import counts: inside functions, and
type-only ones under ``if TYPE_CHECKING:`` too (a type-only cycle still means two modules
that cannot be read, tested or moved one without the other). Relative imports are resolved,
and ``from . import x`` points at the submodule ``x`` when there is one.

A package's ``__init__`` importing its own submodules (to re-export them) is not an edge: it
is how a package publishes its names, and counting it would put every submodule that imports
a sibling through the package in a cycle with it. Importing ``a.b.c`` is an edge to ``a.b.c``
only, not to the ``a`` and ``a.b`` packages Python runs on the way.
"""

from __future__ import annotations

import ast
import itertools
from collections import deque
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "konnekt_arcade"
#: DEVELOPERS.md: a module a reader can hold in their head.
MAX_LINES = 400

#: ``module -> {imported module: line of the first such import}``
Graph = dict[str, dict[str, int]]


def modules(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file of ``root/package``."""
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _base(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute module a ``from`` import names (``level`` dots, then ``name``)."""
    if not level:
        return name or ""
    parts = module.split(".")
    if not is_package:
        parts.pop()  # a module's level-1 base is its package
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    return ".".join([*parts, name] if name else parts)


def import_graph(root: Path, package: str) -> Graph:
    """Every import between the package's own modules, with the line it is on."""
    mods = modules(root, package)
    graph: Graph = {m: {} for m in mods}

    def known(target: str) -> str | None:
        while target and target not in mods:  # ``a.b.Name`` -> ``a.b``
            target = target.rpartition(".")[0]
        return target or None

    for module, path in mods.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                base = _base(module, is_package, node.level, node.module)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in mods else base)
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            for target in targets:
                resolved = known(target)
                if resolved is None or resolved == module:
                    continue
                if is_package and resolved.startswith(module + "."):
                    continue  # a package re-exporting its own submodules
                graph[module].setdefault(resolved, node.lineno)
    return graph


def strongly_connected(graph: Graph) -> list[list[str]]:
    """The graph's strongly connected components of more than one module (Tarjan, iterative:
    no recursion limit to meet on a deep chain)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def shortest_cycle(graph: Graph, component: list[str]) -> list[str]:
    """One shortest cycle through the component's first module, as ``[a, b, ..., a]``."""
    start, inside = component[0], set(component)
    parent: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in sorted(graph[node]):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return [*reversed(path), start]
            if nxt in inside and nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    raise AssertionError(f"no cycle through {start}")  # a component always has one


def describe(graph: Graph, mods: dict[str, Path], root: Path, component: list[str]) -> str:
    """The component's modules and one cycle through them, each hop with its file and line."""
    cycle = shortest_cycle(graph, component)
    hops = "\n".join(
        f"      {a} -> {b}  ({mods[a].relative_to(root)}:{graph[a][b]})"
        for a, b in itertools.pairwise(cycle))
    return (f"  {len(component)} modules: {', '.join(component)}\n"
            f"    e.g. {' -> '.join(cycle)}\n{hops}")


# --- the checks ------------------------------------------------------------------------------


def test_no_module_over_the_line_limit() -> None:
    sizes = {path: len(path.read_text().splitlines()) for path in modules(ROOT, PACKAGE).values()}
    over = sorted(((n, p) for p, n in sizes.items() if n > MAX_LINES), reverse=True)
    if over:
        pytest.fail(f"{len(over)} module(s) over {MAX_LINES} lines (split them by concern):\n"
                    + "\n".join(f"  {p.relative_to(ROOT)}: {n}" for n, p in over), pytrace=False)


def test_no_import_cycle() -> None:
    graph = import_graph(ROOT, PACKAGE)
    components = strongly_connected(graph)
    mods = modules(ROOT, PACKAGE)
    if components:
        pytest.fail(
            f"{len(components)} import cycle(s) in {PACKAGE} (type-only imports count; break "
            "each by moving the shared part down or passing values/callbacks in):\n"
            + "\n".join(describe(graph, mods, ROOT, c) for c in components), pytrace=False)


# --- the walker finds what it must (so the checks above can fail) ----------------------------


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    """A package with a type-only cycle through ``from . import x`` and a relative ``..``."""
    files = {
        "toy/__init__.py": "from .a import A\nfrom . import sub\n",
        "toy/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                    "    from .sub import deep\nA = 1\n",
        "toy/sub/__init__.py": "",
        "toy/sub/deep.py": "from .. import b\n",
        "toy/b.py": "def f():\n    import toy.a.A\n",
        "toy/c.py": "from toy import b\n",  # into the cycle, not part of it
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_the_walker_resolves_relative_type_only_and_submodule_imports(toy: Path) -> None:
    graph = import_graph(toy, "toy")
    assert graph["toy.a"] == {"toy.sub.deep": 3}  # under TYPE_CHECKING
    assert graph["toy.sub.deep"] == {"toy.b": 1}  # ``from .. import b``: the submodule
    assert graph["toy.b"] == {"toy.a": 2}  # inside a function; ``.A`` is a name, not a module
    assert graph["toy.c"] == {"toy.b": 1}
    assert graph["toy"] == {}  # re-exports of its own submodules
    [component] = strongly_connected(graph)
    assert component == ["toy.a", "toy.b", "toy.sub.deep"]
    assert shortest_cycle(graph, component) == ["toy.a", "toy.sub.deep", "toy.b", "toy.a"]
    message = describe(graph, modules(toy, "toy"), toy, component)
    assert "toy.a -> toy.sub.deep" in message and "toy/a.py:3" in message
