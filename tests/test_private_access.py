"""Tests test through the public API: no test reaches into an object's private attributes.

An ``ast`` scan of every test file (``tests/**/*.py``) and of the child-process roles the tests
drive (``childproc/**/*.py``, test code that lives outside tests/ so the bench can share it):
an attribute ``x._name`` — read or written — where ``x`` is not ``self`` / ``cls`` and
``_name`` is not a dunder fails the test, unless ``_name`` is in :data:`ALLOWED` with the
reason the hook is kept. A test that reads ``obj._x`` breaks when the library renames a field
and passes when the behaviour it should check is gone; the public API or a documented test
hook says what is promised.

``module._name`` on a module the file imported is not an attribute of an object: it is counted
with the imports of private names (``from konnekt_arcade.x._y import Z``,
``from konnekt_arcade.x import _y``), which this file reports but does not fail on:
``python tests/test_private_access.py`` prints both lists.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("tests", "childproc")
LIBRARY = "konnekt_arcade"

#: Private attributes a test may still touch, each with the reason the hook is kept:
#: ``"_attr"`` anywhere, ``"path:_attr"`` in that file only.
ALLOWED: dict[str, str] = {
    "tests/sync/test_role_table.py:_transition": (
        "LobbySync._transition is documented as the role machine's test hook: no public call "
        "may force a move the table lacks, and the test must show that such a move is refused"),
    "tests/session/test_announce.py:_with_announcer": (
        "P2PLoopBuilder._with_announcer is the documented hook that plugs a recording announcer "
        "in; a public one would widen the builder's API for tests only"),
    "tests/directory/test_http.py:_loop": (
        "SignallingServer's loop: the one way to run a store call on the server's own thread "
        "(the entry must vanish behind the host's back)"),
    "tests/directory/test_lobby_view.py:_label": (
        "arcade's UILabel (not ours) exposes no font size; the join code's size is the promise"),
    "tests/net/test_loop_thread.py:_send_data": (
        "aiortc's RTCDtlsTransport (not ours): the test pins the aiortc error we quieten"),
    "tests/net/test_webrtc_batching.py:_remote_max_message_size": (
        "aiortc's SCTP transport (not ours): simulates a remote that advertises no maximum "
        "message size, which two aiortc peers never do"),
    "tests/security/test_hostile_peer_webrtc.py:_remote_max_message_size": (
        "aiortc's SCTP transport (not ours): lets a hostile peer send past the usual limit"),
    "tests/resilience/test_link_tuning.py:_rto": (
        "aiortc's SCTP transport (not ours): its RTO is what net/_sctp.py tunes; no public API"),
    "tests/resilience/test_link_tuning.py:_update_rto": (
        "aiortc's SCTP transport (not ours): feeds RTT samples to the tuned and a stock pc"),
    "tests/resilience/test_link_tuning.py:_setReadyState": (
        "aiortc's data channel (not ours): opens our side as a late COOKIE-ACK would"),
    "tests/resilience/test_link_tuning.py:_send": (
        "aiortc's ICE transport (not ours): the spy that sees each DTLS datagram go out"),
}


#: Private modules tests import on purpose, each with the reason (imports are reported by
#: ``python tests/test_private_access.py``, not failed on; these are listed apart there).
ALLOWED_MODULES: dict[str, str] = {
    "konnekt_arcade.sync._wire": (
        "the wire format is private (not API: it changes with PROTOCOL_VERSION), but the sync, "
        "security and version tests must build, forge and decode exact wire messages"),
}

@dataclass(frozen=True)
class Hit:
    path: str
    line: int
    what: str


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _module_names(tree: ast.AST, root: Path) -> set[str]:
    """Names bound to modules by the file's imports (``import a.b`` binds ``a``;
    ``from p import m`` binds ``m`` when ``p/m`` is a module of this repository)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names.add(alias.asname or alias.name.partition(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            base = root.joinpath(*node.module.split("."))
            for alias in node.names:
                if (base / f"{alias.name}.py").is_file() or (base / alias.name).is_dir():
                    names.add(alias.asname or alias.name)
        elif isinstance(node, ast.ImportFrom) and node.level:
            for alias in node.names:  # ``from . import _netns``: a sibling module
                if not alias.name.lstrip("_")[:1].isupper():  # CapWords: a class
                    names.add(alias.asname or alias.name)
    return names


def scan(source: str, path: str, root: Path = ROOT) -> tuple[list[Hit], list[Hit]]:
    """``(attribute hits, private-import hits)`` in one file's source."""
    tree = ast.parse(source, path)
    modules = _module_names(tree, root)
    attributes: list[Hit] = []
    imports: list[Hit] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            base = node.value
            if isinstance(base, ast.Name) and base.id in ("self", "cls"):
                continue
            if isinstance(base, ast.Name) and base.id in modules:
                imports.append(Hit(path, node.lineno, f"{base.id}.{node.attr}"))
                continue
            attributes.append(Hit(path, node.lineno, node.attr))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(LIBRARY):
            module = node.module or ""
            private_module = any(_is_private(part) for part in module.split("."))
            for alias in node.names:
                if private_module or _is_private(alias.name):
                    imports.append(Hit(path, node.lineno, f"{module}.{alias.name}"))
    return sorted(attributes, key=_order), sorted(imports, key=_order)


def _order(hit: Hit) -> tuple[str, int, str]:
    return hit.path, hit.line, hit.what


def allowed(hit: Hit) -> bool:
    return hit.what in ALLOWED or f"{hit.path}:{hit.what}" in ALLOWED


def scan_all(root: Path = ROOT) -> tuple[list[Hit], list[Hit]]:
    attributes: list[Hit] = []
    imports: list[Hit] = []
    for top in SCANNED:
        for path in sorted((root / top).rglob("*.py")):
            found = scan(path.read_text(), str(path.relative_to(root)), root)
            attributes += found[0]
            imports += found[1]
    return attributes, imports


def per_file(hits: list[Hit]) -> str:
    counts = Counter(h.path for h in hits)
    lines = []
    for path, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        names = Counter(h.what for h in hits if h.path == path)
        lines.append(f"  {n:4d}  {path}: " + ", ".join(
            f"{name}" + (f" x{k}" if k > 1 else "") for name, k in names.most_common()))
    return "\n".join(lines)


# --- the check -------------------------------------------------------------------------------


def test_no_test_reads_a_private_attribute() -> None:
    attributes, _ = scan_all()
    offenders = [h for h in attributes if not allowed(h)]
    assert not offenders, (
        f"{len(offenders)} private attribute access(es) in {len({h.path for h in offenders})} "
        "file(s); test through the public API, or add a documented hook to ALLOWED:\n"
        + per_file(offenders) + "\nfirst lines: "
        + ", ".join(f"{h.path}:{h.line} {h.what}" for h in offenders[:10]))


def test_every_allowed_module_exists() -> None:
    for module in ALLOWED_MODULES:
        assert ROOT.joinpath(*module.split(".")).with_suffix(".py").is_file(), module


def test_every_allowed_hook_is_still_used() -> None:
    """An allow-list entry nobody needs any more is a door left open: remove it."""
    attributes = scan_all()[0]
    unused = [key for key in ALLOWED
              if not any(key in (h.what, f"{h.path}:{h.what}") for h in attributes)]
    assert not unused, unused


# --- the scanner finds what it must (so the check above can fail) ----------------------------


TOY = '''
import konnekt_arcade.net.webrtc as webrtc
from konnekt_arcade.sync import _wire
from konnekt_arcade.sync._engine import SyncBase
from . import _netns

class T:
    def f(self, other):
        self._mine = 1
        cls._also_mine
        other._theirs
        other.__dict__
        other.a._deep.b
        other._written = 2
        webrtc._helper()
        _netns._cards
'''


def test_the_scanner_finds_private_reads_writes_and_imports(
        monkeypatch: pytest.MonkeyPatch) -> None:
    attributes, imports = scan(TOY, "toy.py")
    assert [(h.line, h.what) for h in attributes] == [(11, "_theirs"), (13, "_deep"),
                                                      (14, "_written")]
    monkeypatch.setitem(ALLOWED, "tests/a.py:_links", "scoped to one file")
    monkeypatch.setitem(ALLOWED, "_hook", "anywhere")
    assert allowed(Hit("tests/a.py", 1, "_links")) and allowed(Hit("tests/b.py", 1, "_hook"))
    assert not allowed(Hit("tests/b.py", 1, "_links"))
    assert sorted(h.what for h in imports) == [
        "_netns._cards", "konnekt_arcade.sync._engine.SyncBase", "konnekt_arcade.sync._wire",
        "webrtc._helper"]


if __name__ == "__main__":  # the report: python tests/test_private_access.py
    found_attributes, found_imports = scan_all()
    kept = [h for h in found_attributes if allowed(h)]
    offending = [h for h in found_attributes if not allowed(h)]
    print(f"private attribute accesses: {len(offending)} (+{len(kept)} allowed)")
    print(per_file(offending))
    library = [h for h in found_imports if h.what.startswith(LIBRARY)
               and not any(h.what.startswith(m) for m in ALLOWED_MODULES)]
    print(f"\nprivate names imported from {LIBRARY}: {len(library)}")
    print(per_file(library))
    other = [h for h in found_imports if not h.what.startswith(LIBRARY)]
    print(f"\nprivate members of imported modules: {len(other)}")
    print(per_file(other))
    sys.exit(1 if offending else 0)
