"""``json.loads`` with its cost bounded before it runs: length and nesting depth.

CPython's JSON decoder recurses once per ``[`` or ``{``: ``"[" * 1000 + "]" * 1000`` (2 KB,
under every size cap) raises ``RecursionError`` from inside ``json.loads``, which is not a
``ValueError`` and so escapes the usual "malformed JSON" guard and ends the task that parsed it.
``loads`` below checks the length, then the depth with a cheap scan (strings removed by one
regex, brackets counted by C-level ``str.count`` and ``itertools.accumulate``), and only then
parses; a ``RecursionError`` that still happens (a lower recursion limit) is turned into the
same refusal. Leaf module: the server, the directory and the client can all use it.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

#: No message of the Matchbox protocol or the directory nests deeper than 4; 32 leaves room
#: for any honest extension and is far below CPython's recursion limit (1000).
MAX_JSON_DEPTH = 32

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # unrolled: no backtracking
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class JsonRefused(ValueError):
    """The text was not parsed: too long, nested too deep, or not JSON (``reason`` says)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def too_deep(text: str, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """True when ``text`` nests brackets deeper than ``max_depth`` outside JSON strings (an
    upper bound for unterminated strings, which ``json.loads`` refuses anyway). Honest messages
    have fewer opening brackets than ``max_depth`` and cost two ``str.count`` calls."""
    if text.count("[") + text.count("{") <= max_depth:
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > max_depth


def loads(data: str | bytes, *, max_bytes: int, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse ``data`` or raise ``JsonRefused``; never ``RecursionError`` or
    ``UnicodeDecodeError``. ``max_bytes`` counts the frame as received (bytes or characters)."""
    if len(data) > max_bytes:
        raise JsonRefused(f"over {max_bytes} bytes")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise JsonRefused("not UTF-8") from None
    if too_deep(data, max_depth):
        raise JsonRefused(f"nested deeper than {max_depth}")
    try:
        return json.loads(data)
    except RecursionError:
        raise JsonRefused(f"nested deeper than {max_depth}") from None
    except ValueError:
        raise JsonRefused("not JSON") from None
