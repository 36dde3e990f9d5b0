"""Under CI as root a skip is a failure; elsewhere it stays a skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SKIPPING = '''
import pytest

def test_needs_coturn():
    pytest.skip("coturn (turnserver) is not installed")

def test_on_another_platform():
    pytest.skip("optional: needs another platform")

@pytest.mark.xfail(reason="known", strict=True)
def test_known_bug():
    assert False
'''


def _run(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_skipping.py").write_text(SKIPPING)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests._strict_skips", "-p", "no:cacheprovider",
         "-q", str(tmp_path / "test_skipping.py"), "--rootdir", str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)


def test_without_ci_a_skip_is_a_skip(tmp_path: Path) -> None:
    result = _run(tmp_path, None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 skipped, 1 xfailed" in result.stdout, result.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="the strict rule applies to root only")
def test_under_ci_as_root_a_skip_fails(tmp_path: Path) -> None:
    result = _run(tmp_path, "true")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 skipped, 1 xfailed" in result.stdout, result.stdout
    assert "skipped under CI as root" in result.stdout, result.stdout
    assert "coturn (turnserver) is not installed" in result.stdout, result.stdout
