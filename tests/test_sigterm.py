"""SIGTERM to a pytest run of this suite runs the fixtures' teardown (``tests/_sigterm.py``)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

INNER = '''
import pathlib, time, pytest
OUT = pathlib.Path({out!r})
@pytest.fixture
def resource():
    yield
    (OUT / "torn-down").write_text("1")
def test_runs_until_terminated(resource):
    (OUT / "started").write_text("1")  # the fixture is set up: only its teardown is left
    time.sleep(120)
'''


def test_sigterm_tears_fixtures_down(tmp_path: Path) -> None:
    inner = tmp_path / "test_inner.py"
    inner.write_text(INNER.format(out=str(tmp_path)))
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT),
         "-c", str(ROOT / "pyproject.toml"), "--confcutdir", str(ROOT),
         "-p", "tests._sigterm", str(inner)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists():
            assert proc.poll() is None, proc.communicate()[0]
            assert time.monotonic() < deadline, "the inner test never started"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=60)[0]
    finally:
        proc.kill()
    assert (tmp_path / "torn-down").exists(), out
