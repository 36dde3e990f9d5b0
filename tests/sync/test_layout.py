"""The shape of the sync core, checked on its syntax tree: the parts are leaves (no part
imports the core or holds it), the role has one writer, and only that writer says the host
changed."""

from __future__ import annotations

import ast
from pathlib import Path

SYNC = Path(__file__).resolve().parents[2] / "konnekt_arcade" / "sync"
#: The core (the replicated state, the role machine, the facade): everything else is a part
#: or a leaf module the parts share.
CORE = {"_state.py", "_core.py", "_sync.py", "__init__.py"}
PARTS = {"_replica.py", "_host.py", "_election.py", "_authority.py", "_gate.py",
         "_exactly_once.py", "_liveness.py"}


def trees() -> dict[str, ast.Module]:
    return {p.name: ast.parse(p.read_text()) for p in SYNC.glob("*.py")}


def imported_modules(tree: ast.Module) -> set[str]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            out.add(f"_{node.module.lstrip('_')}.py" if node.module.startswith("_")
                    else f"{node.module}.py")
    return out


def test_no_part_imports_the_core():
    for name, tree in trees().items():
        if name in CORE:
            continue
        assert not imported_modules(tree) & CORE, name


def test_every_part_exists_and_holds_no_core():
    code = trees()
    assert set(code) >= PARTS
    for name in PARTS:
        for node in ast.walk(code[name]):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id == "self":
                assert node.attr != "s", f"{name} holds the core as self.s"


def _assignments_to(tree: ast.Module, attr: str) -> list[str]:
    """Names of the functions that assign ``self.<attr>``."""
    out = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef):
            continue
        for node in ast.walk(fn):
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, ast.AnnAssign | ast.AugAssign) else [])
            for t in targets:
                if isinstance(t, ast.Attribute) and t.attr == attr:
                    out.append(fn.name)
    return out


def _calls_of(tree: ast.Module, names: set[str]) -> list[str]:
    out = []
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef):
            for node in ast.walk(fn):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                        and node.func.id in names:
                    out.append(fn.name)
    return out


def test_the_role_has_one_writer_and_host_changed_one_emitter():
    code = trees()
    writers = {(n, f) for n, t in code.items() for f in _assignments_to(t, "_term")}
    assert writers == {("_state.py", "__init__"), ("_core.py", "_transition")}
    emitters = {(n, f) for n, t in code.items()
                for f in _calls_of(t, {"HostChanged", "HostLost"})}
    assert emitters == {("_core.py", "_transition")}
    callers = {(n, f) for n, t in code.items()
               for node in ast.walk(t) if isinstance(node, ast.FunctionDef)
               for f in [node.name]
               for c in ast.walk(node)
               if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute)
               and c.func.attr == "_transition"}
    # Parts return moves; only the core's own inputs move the role.
    assert {n for n, _ in callers} <= {"_core.py", "_sync.py"}
