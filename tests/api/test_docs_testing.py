"""docs/testing.md's test files run, as a game developer would run them: each ```python block
is a test module in a directory of its own, run by pytest in a subprocess that opts in to the
plugin the way the page says (``konnekt_arcade = true``)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "testing.md"

pytestmark = pytest.mark.timeout(240)


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)


def test_the_page_has_its_examples() -> None:
    blocks = python_blocks(PAGE.read_text())
    assert len(blocks) == 2
    assert all("def test_" in block for block in blocks)


def test_docs_testing_examples_pass(tmp_path: Path) -> None:
    blocks = python_blocks(PAGE.read_text())
    expected = 0
    for index, block in enumerate(blocks):
        (tmp_path / f"test_docs_block_{index}.py").write_text(block)
        expected += len(re.findall(r"^def test_", block, flags=re.M))
    (tmp_path / "pytest.ini").write_text("[pytest]\nkonnekt_arcade = true\n")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             str(tmp_path)], cwd=tmp_path, capture_output=True, text=True,
                            timeout=220, check=False)
    output = result.stdout[-4000:] + result.stderr[-2000:]
    assert result.returncode == 0, output
    assert f"{expected} passed" in result.stdout, output
