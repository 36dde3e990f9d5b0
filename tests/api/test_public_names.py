"""The top-level API is kept in three places in ``konnekt_arcade/__init__.py`` — ``__all__``, the
lazy-import table and the ``TYPE_CHECKING`` imports editors read — and they must agree.

The table is read from the source (its syntax tree), not from the module's private attribute:
what is checked is the file a maintainer edits.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import konnekt_arcade

INIT = Path(konnekt_arcade.__file__)
ROOT = INIT.parents[1]

#: The public subpackages (docs/api.md, "Public subpackages"): each ``__all__`` is a promise and
#: is documented in the reference. The other subpackages are the library's layers.
PUBLIC_SUBPACKAGES = ("domain", "sync", "world", "testing")
LAYERS = ("session", "engine", "lan", "net")


def public_module(subpackage: str) -> ModuleType:
    return importlib.import_module(f"konnekt_arcade.{subpackage}")


def _tree() -> ast.Module:
    return ast.parse(INIT.read_text())


def lazy_table() -> dict[str, str]:
    """``_LAZY`` as written: name -> subpackage."""
    for node in _tree().body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "_LAZY"):
            return _eval_table(node.value)
    raise AssertionError("no _LAZY table in konnekt_arcade/__init__.py")


def _eval_table(node: ast.expr) -> dict[str, str]:
    assert isinstance(node, ast.Dict)
    table: dict[str, str] = {}
    for key, value in zip(node.keys, node.values, strict=True):
        if key is None:  # **dict.fromkeys((names...), "module")
            assert isinstance(value, ast.Call)
            names, module = (ast.literal_eval(arg) for arg in value.args)
            table.update(dict.fromkeys(names, module))
        else:
            table[ast.literal_eval(key)] = ast.literal_eval(value)
    return table


def type_checking_imports() -> dict[str, str]:
    """Names imported under ``if TYPE_CHECKING:``: name -> subpackage."""
    for node in _tree().body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            return {alias.name: (imp.module or "")
                    for imp in node.body if isinstance(imp, ast.ImportFrom)
                    for alias in imp.names}
    raise AssertionError("no TYPE_CHECKING block")


def test_all_lazy_table_and_type_checking_imports_agree() -> None:
    lazy = lazy_table()
    assert type_checking_imports() == lazy, "the TYPE_CHECKING imports drifted from _LAZY"
    assert set(lazy) <= set(konnekt_arcade.__all__), set(lazy) - set(konnekt_arcade.__all__)
    assert len(set(konnekt_arcade.__all__)) == len(konnekt_arcade.__all__), "a name twice"


def test_every_name_imports_in_a_fresh_interpreter() -> None:
    # Fresh: this process may have resolved the lazy names already.
    code = """
import konnekt_arcade as k
eager = set(vars(k))
lazy = [n for n in k.__all__ if n not in eager]
for name in k.__all__:
    value = getattr(k, name)
    if name in lazy:
        assert getattr(value, "__module__", "").startswith("konnekt_arcade."), (name, value)
try:
    k.NotAName
except AttributeError as exc:
    assert "NotAName" in str(exc)
else:
    raise AssertionError("an unknown name resolved")
assert set(k.__all__) <= set(dir(k)), set(k.__all__) - set(dir(k))
print(" ".join(sorted(lazy)))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert set(result.stdout.split()) == set(lazy_table())


def test_dir_lists_the_lazy_exports() -> None:
    names = dir(konnekt_arcade)
    for name in ("SessionLoop", "P2PLoopBuilder", "LobbyView", "SessionHook", "SyncConfig"):
        assert name in names


@pytest.mark.parametrize("name", ["SyncConfig", "P2PLoopBuilder", "DomainCommand"])
def test_readme_names_import_from_the_top(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from konnekt_arcade import {name}", namespace)
    assert namespace[name] is getattr(konnekt_arcade, name)


def test_every_subpackage_is_public_or_a_layer() -> None:
    """A new subpackage is a decision: add it to one list (and to docs/api.md)."""
    found = {p.parent.name for p in INIT.parent.glob("*/__init__.py")
             if not p.parent.name.startswith("_")}
    assert found == set(PUBLIC_SUBPACKAGES) | set(LAYERS)


def test_the_design_names_the_public_subpackages() -> None:
    design = (ROOT / "docs" / "api.md").read_text(encoding="utf-8").split("## Hosting and", 1)[0]
    table = set(re.findall(r"^\| `konnekt_arcade\.(\w+)`", design, re.M))
    assert table == set(PUBLIC_SUBPACKAGES)


@pytest.mark.parametrize("subpackage", PUBLIC_SUBPACKAGES)
def test_a_public_subpackage_exports_what_it_lists(subpackage: str) -> None:
    module = public_module(subpackage)
    assert len(set(module.__all__)) == len(module.__all__), "a name twice"
    for name in module.__all__:
        assert getattr(module, name) is not None, name
    assert set(module.__all__) <= set(dir(module))


@pytest.mark.parametrize("subpackage", PUBLIC_SUBPACKAGES)
def test_no_public_name_is_private_or_the_wire(subpackage: str) -> None:
    for name in public_module(subpackage).__all__:
        value = getattr(public_module(subpackage), name)
        assert "._wire" not in getattr(value, "__module__", "") or name in (
            "LobbySnapshot", "Outgoing", "Channel"), f"{subpackage}.{name} is a wire message"


def test_a_moved_name_still_imports_and_warns() -> None:
    from konnekt_arcade.sync import LobbySnapshot

    with pytest.warns(DeprecationWarning, match=r"moved to konnekt_arcade\.sync"):
        assert konnekt_arcade.LobbySnapshot is LobbySnapshot
    assert "LobbySnapshot" not in konnekt_arcade.__all__
