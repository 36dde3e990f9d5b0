"""The documentation site builds, offline, with every warning an error, and its API reference
documents every public name (issue 25: "a test checks that ``__all__``, the lazy-import table
and the docs reference agree")."""

from __future__ import annotations

import subprocess
import sys
import zlib
from pathlib import Path

import pytest

import konnekt_arcade

from ..api.test_public_names import PUBLIC_SUBPACKAGES, public_module

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.timeout(600)


def documented_names(build: Path) -> set[str]:
    """The Python objects in the built site's ``objects.inv`` (Sphinx's inventory: four text
    lines, then one zlib stream of ``name domain:role priority uri dispname`` lines)."""
    raw = (build / "objects.inv").read_bytes()
    body = raw.split(b"\n", 4)[4]
    names = set()
    for line in zlib.decompress(body).decode().splitlines():
        name, role = line.split(" ", 2)[:2]
        if role.startswith("py:"):
            names.add(name)
    return names


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "-q",
         str(ROOT / "docs"), str(out)],
        capture_output=True, text=True, timeout=540, cwd=ROOT)
    assert proc.returncode == 0, f"the docs build failed:\n{proc.stderr[-4000:]}"
    return out


def test_the_site_builds_with_warnings_as_errors(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "api.html").is_file()
    readme = (site / "readme.html").read_text(encoding="utf-8")
    assert "Set-up" in readme  # the README really is part of the site


def test_every_public_name_is_in_the_reference(site: Path) -> None:
    documented = documented_names(site)
    missing = sorted(name for name in konnekt_arcade.__all__
                     if f"konnekt_arcade.{name}" not in documented)
    assert not missing, f"public names with no entry in the API reference: {missing}"


@pytest.mark.parametrize("subpackage", PUBLIC_SUBPACKAGES)
def test_every_public_subpackage_name_is_in_the_reference(site: Path, subpackage: str) -> None:
    """Each name of a public subpackage's ``__all__`` has an entry: under the subpackage, or at
    the top level when it is the same object there (``konnekt_arcade.domain.Lobby`` is
    ``konnekt_arcade.Lobby``). pytest fixtures are listed in the text instead (autodoc does
    not document fixture objects)."""
    module = public_module(subpackage)
    documented = documented_names(site)
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    missing = []
    for name in module.__all__:
        value = getattr(module, name)
        if f"{module.__name__}.{name}" in documented:
            continue
        if (f"konnekt_arcade.{name}" in documented
                and getattr(konnekt_arcade, name, None) is value):
            continue
        if type(value).__name__ == "FixtureFunctionDefinition" and f"`{name}`" in text:
            continue
        missing.append(name)
    assert not missing, f"{module.__name__}: names with no entry in the API reference: {missing}"
