"""Every Python block in the README and docs/*.md runs, or says why it does not (issue 25).

A block runs as its own script in a child process (bounded in time). An HTML comment on the
line before it picks how:

- nothing: the block runs as it is;
- ``<!-- snippet: signalling -->``: it runs with ``url`` (a real signalling server on
  loopback, started for it) and ``ice`` (``[]``) defined, the two names docs leave to the
  reader;
- ``<!-- snippet: not run — <reason> -->``: it is not run; the reason must say what runs the
  same code instead (or why nothing can: a public server, a window that waits for a person),
  and a test or example it names must exist.

Comments are invisible on GitHub and in the built site.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_MARK = re.compile(r"<!--\s*snippet:\s*(?P<how>[^>]*?)\s*-->")

PRELUDE_SIGNALLING = """
from konnekt_arcade import SignallingServer
_server = SignallingServer(host="127.0.0.1", port=0).start()
url, ice = _server.url, []
"""


@dataclass(frozen=True)
class Snippet:
    path: Path
    line: int
    how: str
    code: str

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def snippets() -> list[Snippet]:
    found = []
    for path in FILES:
        lines = path.read_text(encoding="utf-8").splitlines()
        i = 0
        while i < len(lines):
            if lines[i].strip() == "```python":
                indent = len(lines[i]) - len(lines[i].lstrip())
                start = i
                body = []
                i += 1
                while i < len(lines) and lines[i].strip() != "```":
                    body.append(lines[i][indent:] if len(lines[i]) >= indent else "")
                    i += 1
                before = lines[start - 1] if start > 0 else ""
                mark = _MARK.search(before)
                found.append(Snippet(path, start + 1, mark.group("how") if mark else "",
                                     textwrap.dedent("\n".join(body))))
            i += 1
    return found


ALL = snippets()


def test_the_docs_have_snippets() -> None:
    assert len(ALL) >= 5, [s.id for s in ALL]


RUN = [s for s in ALL if not s.how.startswith("not run")]
NOT_RUN = [s for s in ALL if s.how.startswith("not run")]
_PATH = re.compile(r"\b(?:tests|examples)/[\w/.-]+\.py\b")


def test_every_block_not_run_says_what_runs_it_instead() -> None:
    """A block that is not run names its reason, and any test or example it points to exists
    (so the pointer cannot rot). Not a skip per block: CI fails on skips (``_strict_skips``)."""
    for snippet in NOT_RUN:
        reason = snippet.how.removeprefix("not run").strip(" —-:")
        assert len(reason) >= 20, f"{snippet.id}: 'not run' needs a reason: {snippet.how!r}"
        for path in _PATH.findall(reason):
            assert (ROOT / path).is_file(), f"{snippet.id}: {path} (named as its runner) is gone"


@pytest.mark.parametrize("snippet", RUN, ids=[s.id for s in RUN])
def test_snippet(snippet: Snippet, tmp_path: Path) -> None:
    how = snippet.how
    assert how in ("", "signalling"), f"{snippet.id}: unknown snippet mark {how!r}"
    script = (PRELUDE_SIGNALLING if how == "signalling" else "") + snippet.code
    env = {**os.environ, "ARCADE_HEADLESS": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, (
        f"{snippet.id} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
